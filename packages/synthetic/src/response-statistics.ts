import type { SyntheticMeaning } from './parse-response.js';

export type ResponseStatistics = {
  readonly count: number;
  /** Share of responses that are well-formed claims terminated by EOS. */
  readonly wellFormedRate: number;
  /** Share of responses that end with EOS. */
  readonly terminatedRate: number;
  /** Mean number of filler tokens. */
  readonly meanFillerCount: number;
  /** Mean number of tokens, EOS included. */
  readonly meanLength: number;
  /** Number of distinct claims among the well-formed responses. */
  readonly distinctClaims: number;
};

export function responseStatistics(meanings: readonly SyntheticMeaning[]): ResponseStatistics {
  const count = meanings.length;
  const share = (f: (m: SyntheticMeaning) => number): number =>
    count === 0 ? 0 : meanings.reduce((sum, m) => sum + f(m), 0) / count;
  return {
    count,
    wellFormedRate: share((m) => (m.wellFormed ? 1 : 0)),
    terminatedRate: share((m) => (m.terminated ? 1 : 0)),
    meanFillerCount: share((m) => m.fillerCount),
    meanLength: share((m) => m.length),
    distinctClaims: new Set(meanings.filter((m) => m.wellFormed).map((m) => m.key)).size,
  };
}
