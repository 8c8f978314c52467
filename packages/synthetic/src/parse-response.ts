import { roleOf } from './vocabulary.js';

/** A claim: what a well-formed response asserts, as synonym-group indices. */
export type Claim = {
  readonly topic: number;
  readonly quality: number;
  readonly context: number;
};

/** What a response means in the synthetic domain. */
export type SyntheticMeaning = {
  /** Terminated by EOS and, fillers removed, exactly `topic copula quality context .`. */
  readonly wellFormed: boolean;
  /** The response ends with EOS (and has nothing after it). */
  readonly terminated: boolean;
  /** The claim of a well-formed response. */
  readonly claim?: Claim;
  /** `t<topic>.q<quality>.c<context>` for a well-formed response, `malformed` otherwise. */
  readonly key: string;
  /** Number of filler tokens anywhere in the response. */
  readonly fillerCount: number;
  /** Number of response tokens, EOS included. */
  readonly length: number;
  /** Why a response is not well-formed. */
  readonly problem?: string;
};

/** The meaning key shared by every malformed response. */
export const malformedKey = 'malformed';

export function claimKey(claim: Claim): string {
  return `t${claim.topic}.q${claim.quality}.c${claim.context}`;
}

/**
 * Parses the words of a response (EOS excluded). `terminated` says whether EOS followed them;
 * `length` is the token count including EOS.
 */
export function parseResponseWords(
  words: readonly string[],
  options: { readonly terminated: boolean; readonly length: number },
): SyntheticMeaning {
  const { terminated, length } = options;
  let fillerCount = 0;
  const content: string[] = [];
  for (const word of words) {
    if (roleOf(word).role === 'filler') fillerCount++;
    else content.push(word);
  }
  const malformed = (problem: string): SyntheticMeaning => ({
    wellFormed: false,
    terminated,
    key: malformedKey,
    fillerCount,
    length,
    problem,
  });
  if (!terminated) return malformed('not terminated by EOS');
  if (words[words.length - 1] !== '.') return malformed('the last word before EOS is not "."');
  if (content.length !== 5) {
    return malformed(`expected 4 content words and "." besides fillers, got ${content.length} words`);
  }
  const [topicWord = '', copulaWord = '', qualityWord = '', contextWord = ''] = content;
  const topic = roleOf(topicWord);
  const copula = roleOf(copulaWord);
  const quality = roleOf(qualityWord);
  const context = roleOf(contextWord);
  if (topic.role !== 'topic') return malformed(`word 1 "${topicWord}" is not a topic`);
  if (copula.role !== 'copula') return malformed(`word 2 "${copulaWord}" is not a linking verb`);
  if (quality.role !== 'quality') return malformed(`word 3 "${qualityWord}" is not a quality`);
  if (context.role !== 'context') return malformed(`word 4 "${contextWord}" is not a context`);
  const claim: Claim = { topic: topic.group, quality: quality.group, context: context.group };
  return { wellFormed: true, terminated, claim, key: claimKey(claim), fillerCount, length };
}
