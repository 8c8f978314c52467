import { describe, expect, it } from 'vitest';
import {
  choiceFromLogprobs,
  choiceFromText,
  choiceLabel,
  type LogprobPosition,
  readJudgeAnswer,
  type TokenLogprob,
} from './judge-answer.js';

/** A position whose sampled token is the first listed alternative, as servers report them. */
const at = (...top: TokenLogprob[]): LogprobPosition => ({
  token: top[0]?.token ?? '',
  logprob: top[0]?.logprob ?? 0,
  topLogprobs: top,
});
const lp = (token: string, probability: number): TokenLogprob => ({ token, logprob: Math.log(probability) });

describe('choiceLabel', () => {
  it('names A or B through whitespace, case, brackets and quotes', () => {
    expect(choiceLabel('A')).toBe('A');
    expect(choiceLabel(' b')).toBe('B');
    expect(choiceLabel('(A')).toBe('A');
    expect(choiceLabel('B.')).toBe('B');
    expect(choiceLabel('"a"')).toBe('A');
    expect(choiceLabel('**B**')).toBe('B');
  });

  it('is undefined for any other token', () => {
    expect(choiceLabel('C')).toBeUndefined();
    expect(choiceLabel('AB')).toBeUndefined();
    expect(choiceLabel('Answer')).toBeUndefined();
    expect(choiceLabel('')).toBeUndefined();
    expect(choiceLabel(' ')).toBeUndefined();
  });
});

describe('choiceFromText', () => {
  it('reads a bare, a leading or one named label', () => {
    expect(choiceFromText('A')).toBe(1);
    expect(choiceFromText(' b.')).toBe(0);
    expect(choiceFromText('**B**')).toBe(0);
    expect(choiceFromText('A is better')).toBe(1);
    expect(choiceFromText('(B) because it is shorter')).toBe(0);
    expect(choiceFromText('Answer: A')).toBe(1);
    expect(choiceFromText('I prefer Response B.')).toBe(0);
    expect(choiceFromText('Response B is better than the other')).toBe(0);
  });

  it('is undefined for a tie, both labels, another label or no verdict', () => {
    expect(choiceFromText('a tie')).toBeUndefined();
    expect(choiceFromText('Response A and Response B are equal')).toBeUndefined();
    expect(choiceFromText('C')).toBeUndefined();
    expect(choiceFromText('Both are fine')).toBeUndefined();
    expect(choiceFromText('AB')).toBeUndefined();
    expect(choiceFromText('')).toBeUndefined();
    expect(choiceFromText('   ')).toBeUndefined();
  });
});

describe('choiceFromLogprobs', () => {
  it('is e^{lpA} / (e^{lpA} + e^{lpB}) at the first non-blank position', () => {
    // P(A) = 0.6, P(B) = 0.3 → 0.6 / 0.9 = 2/3 by hand; the leading blank position is skipped.
    const positions = [at(lp(' ', 0.9), lp('B', 0.05)), at(lp('A', 0.6), lp('B', 0.3), lp('C', 0.1))];
    expect(choiceFromLogprobs(positions)).toBeCloseTo(2 / 3, 12);
  });

  it('pools the variants of a label, counting a repeated token once', () => {
    // A: 0.5 + 0.1, B: 0.2 → 0.6 / 0.8 = 3/4; the repeated "A" is the sampled token listed again.
    const positions = [at(lp('A', 0.5), lp(' a', 0.1), lp('B', 0.2), lp('A', 0.5))];
    expect(choiceFromLogprobs(positions)).toBeCloseTo(3 / 4, 12);
  });

  it('pools the sampled token when it is not among the listed alternatives', () => {
    // sampled " B" (0.05) outside the list: A 0.6, B 0.2 + 0.05 → 0.6 / 0.85
    const position: LogprobPosition = { ...lp(' B', 0.05), topLogprobs: [lp('A', 0.6), lp('B', 0.2)] };
    expect(choiceFromLogprobs([position])).toBeCloseTo(0.6 / 0.85, 12);
  });

  it('gives a label absent from the list probability 0', () => {
    expect(choiceFromLogprobs([at(lp('A', 0.7), lp('The', 0.2))])).toBe(1);
    expect(choiceFromLogprobs([at(lp('B', 0.7), lp('The', 0.2))])).toBe(0);
  });

  it('stays finite for log-probs far below zero', () => {
    // lpA − lpB = 1, so P(A) = 1 / (1 + e^{−1}); exp(−1000) alone underflows to 0.
    const positions = [at({ token: 'A', logprob: -1000 }, { token: 'B', logprob: -1001 })];
    expect(choiceFromLogprobs(positions)).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it('is undefined without positions or without a label, never 1/2', () => {
    expect(choiceFromLogprobs(undefined)).toBeUndefined();
    expect(choiceFromLogprobs([])).toBeUndefined();
    expect(choiceFromLogprobs([at(lp('The', 0.6), lp('I', 0.3))])).toBeUndefined();
    // only the first non-blank position counts
    expect(choiceFromLogprobs([at(lp('The', 0.6)), at(lp('A', 0.9))])).toBeUndefined();
  });

  it('is undefined when a label has a log-prob that is not a number ≤ 0', () => {
    expect(choiceFromLogprobs([at({ token: 'A', logprob: Number.NaN }, lp('B', 0.2))])).toBeUndefined();
    expect(choiceFromLogprobs([at({ token: 'A', logprob: 0.5 }, lp('B', 0.2))])).toBeUndefined();
    const impossible = [at({ token: 'A', logprob: Number.NEGATIVE_INFINITY }, { token: 'B', logprob: -Infinity })];
    expect(choiceFromLogprobs(impossible)).toBeUndefined();
    // a non-label token's bad log-prob does not matter
    expect(choiceFromLogprobs([at(lp('A', 0.5), { token: 'The', logprob: Number.NaN })])).toBe(1);
  });
});

describe('readJudgeAnswer', () => {
  it('prefers the log-probs to the text', () => {
    const reading = readJudgeAnswer({ logprobs: [at(lp('A', 0.6), lp('B', 0.3))], text: 'B' });
    expect(reading.source).toBe('logprobs');
    expect(reading.probability).toBeCloseTo(2 / 3, 12);
  });

  it('falls back to the text when the log-probs are absent or name no label', () => {
    expect(readJudgeAnswer({ logprobs: undefined, text: 'B' })).toEqual({ probability: 0, source: 'text' });
    expect(readJudgeAnswer({ logprobs: [at(lp('The', 0.9))], text: 'Answer: A' })).toEqual({
      probability: 1,
      source: 'text',
    });
  });

  it('reports an answer naming neither label as unreadable, with no probability', () => {
    const reading = readJudgeAnswer({ logprobs: [at(lp('Both', 0.9))], text: 'Both are equally good' });
    expect(reading).toEqual({ probability: undefined, source: 'unreadable' });
    expect(readJudgeAnswer({ logprobs: undefined, text: '' }).source).toBe('unreadable');
  });
});
