import { createRng, type ResponseV1 } from '@prefplay/core';
import type { SyntheticTask } from '../create-synthetic-task.js';
import { drawReferenceResponse } from '../sft-corpus.js';
import { fillerWords } from '../vocabulary.js';

/**
 * Random response sets for property tests: reference claims on the prompt's topic or another
 * (with 0-6 fillers, so same-meaning pairs with different fillers are common), random token
 * strings, and truncated responses.
 */
export function randomResponseSets(
  task: SyntheticTask,
  options: { readonly seed: number; readonly sets: number },
): { prompt: SyntheticTask['trainPrompts'][number]; responses: ResponseV1[] }[] {
  const rng = createRng(options.seed);
  const prompts = [...task.trainPrompts, ...task.evalPrompts];
  const out = [];
  for (let s = 0; s < options.sets; s++) {
    const prompt = prompts[rng.int(prompts.length)] as SyntheticTask['trainPrompts'][number];
    const k = 2 + rng.int(7);
    const responses: ResponseV1[] = [];
    for (let i = 0; i < k; i++) {
      const kind = rng.next();
      if (kind < 0.6) {
        const topic = rng.next() < 0.8 ? prompt.topic : rng.int(6);
        // Few claims per set so that meanings collide often.
        const claimRng = createRng(s * 1000 + rng.int(3));
        const words = drawReferenceResponse(claimRng, topic, 0).split(' ');
        const extra = rng.int(7);
        for (let f = 0; f < extra; f++) {
          words.splice(rng.int(words.length), 0, fillerWords[rng.int(fillerWords.length)] as string);
        }
        responses.push(task.response(words.join(' ')));
      } else if (kind < 0.8) {
        const length = 1 + rng.int(16);
        responses.push({ tokens: Array.from({ length }, () => rng.int(task.tokenizer.vocabSize)) });
      } else {
        const tokens = task.response(drawReferenceResponse(rng, prompt.topic, 0.5)).tokens;
        responses.push({ tokens: tokens.slice(0, rng.int(tokens.length)) });
      }
    }
    out.push({ prompt, responses });
  }
  return out;
}
