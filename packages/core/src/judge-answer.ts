/** One token and its log-probability. */
export type TokenLogprob = { readonly token: string; readonly logprob: number };

/** One generated position: the sampled token, its log-prob and the most likely alternatives. */
export type LogprobPosition = TokenLogprob & { readonly topLogprobs: readonly TokenLogprob[] };

/**
 * How a judge's answer to "is A or B better?" was read: `probability` is P(A), from the log-probs
 * of the choice token or else from the text (A → 1, B → 0). An answer that names neither is
 * `unreadable` and has no probability; it must never be scored as 1/2.
 */
export type JudgeAnswerReading =
  | { readonly probability: number; readonly source: 'logprobs' | 'text' }
  | { readonly probability: undefined; readonly source: 'unreadable' };

/** `A` or `B` when `token` is one of the two labels (whitespace, case, brackets, quotes ignored). */
export function choiceLabel(token: string): 'A' | 'B' | undefined {
  const bare = token
    .trim()
    .replace(/^[\s*"'`([{]+|[\s*"'`)\]}.:,]+$/g, '')
    .toUpperCase();
  return bare === 'A' || bare === 'B' ? bare : undefined;
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === Number.NEGATIVE_INFINITY) return max;
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

/**
 * P(A) from the log-probs at the first non-blank generated position: the sampled token and its
 * listed alternatives that are variants of "A" and "B" are pooled, `e^{lpA} / (e^{lpA} + e^{lpB})`;
 * a label absent from the list has probability 0. Undefined when there are no positions, neither
 * label is listed, or a label's log-prob is not a number ≤ 0.
 */
export function choiceFromLogprobs(positions: readonly LogprobPosition[] | undefined): number | undefined {
  if (!positions || positions.length === 0) return undefined;
  const position = positions.find((p) => p.token.trim() !== '') ?? positions[0];
  if (!position) return undefined;
  const a: number[] = [];
  const b: number[] = [];
  const seen = new Set<string>();
  for (const entry of [position, ...position.topLogprobs]) {
    if (seen.has(entry.token)) continue;
    seen.add(entry.token);
    const label = choiceLabel(entry.token);
    if (label === undefined) continue;
    if (!(entry.logprob <= 0)) return undefined;
    (label === 'A' ? a : b).push(entry.logprob);
  }
  if (a.length === 0 && b.length === 0) return undefined;
  const lpA = a.length > 0 ? logSumExp(a) : Number.NEGATIVE_INFINITY;
  const lpB = b.length > 0 ? logSumExp(b) : Number.NEGATIVE_INFINITY;
  const m = Math.max(lpA, lpB);
  if (m === Number.NEGATIVE_INFINITY) return undefined;
  const ea = Math.exp(lpA - m);
  const eb = Math.exp(lpB - m);
  return ea / (ea + eb);
}

/**
 * 1 for an answer of A, 0 for B, undefined for anything else (a tie, both, neither, prose without a
 * verdict): a bare letter, a leading letter (`A.`, `(B) because…`) or one named label
 * (`Response B is better`, `Answer: A`).
 */
export function choiceFromText(text: string): number | undefined {
  const trimmed = text.trim();
  const single = /^[\s*"'`([{]*([AaBb])[\s*"'`)\]}.:,!]*$/.exec(trimmed);
  if (single?.[1]) return single[1].toUpperCase() === 'A' ? 1 : 0;
  const leading = /^[\s*"'`([{]*([AB])(?![A-Za-z])/.exec(trimmed);
  if (leading?.[1]) return leading[1] === 'A' ? 1 : 0;
  const named = [
    ...trimmed.matchAll(/\b(?:response|answer|output|assistant|option)\s*[:-]?\s*\(?([AB])\)?(?![A-Za-z])/gi),
  ];
  const labels = new Set(named.map((m) => (m[1] ?? '').toUpperCase()));
  if (labels.size === 1) return labels.has('A') ? 1 : 0;
  return undefined;
}

/**
 * Reads a judge's answer to "is A or B better?": from the log-probs when they name A or B
 * (`choiceFromLogprobs`), else from the text (`choiceFromText`), else unreadable.
 */
export function readJudgeAnswer(answer: {
  readonly logprobs: readonly LogprobPosition[] | undefined;
  readonly text: string;
}): JudgeAnswerReading {
  const fromLogprobs = choiceFromLogprobs(answer.logprobs);
  if (fromLogprobs !== undefined) return { probability: fromLogprobs, source: 'logprobs' };
  const fromText = choiceFromText(answer.text);
  if (fromText !== undefined) return { probability: fromText, source: 'text' };
  return { probability: undefined, source: 'unreadable' };
}
