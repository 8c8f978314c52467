import type { ResponseV1 } from '@prefplay/core';
import type { SyntheticTask } from '@prefplay/synthetic';

/**
 * The response a text stands for in the synthetic task, as a judge that reads only text sees it:
 * its words as tokens, EOS appended (`task.response`, but also for words a young policy writes
 * that are not domain words, such as `<bos>`; those make the response malformed). A text does
 * not show whether its sample stopped at EOS or at the length limit, so every text counts as
 * finished.
 */
export function taskResponse(task: SyntheticTask, text: string): ResponseV1 {
  const words = text.split(' ').filter((word) => word.length > 0);
  return { tokens: [...words.map((word) => task.tokenizer.tokenToId(word)), task.tokenizer.eosId], text };
}
