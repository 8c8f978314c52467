import type { Rng } from '@prefplay/core';
import {
  claimsPerTopic,
  contextGroups,
  copulaWords,
  fillerWords,
  numContexts,
  qualityGroups,
  topicGroups,
} from './vocabulary.js';

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

/** A claim of a topic without the topic: quality and context group indices. */
export type ClaimSlots = { readonly quality: number; readonly context: number };

/**
 * One reference response on `topic`: `topic copula quality context .` in uniformly drawn synonyms,
 * with a filler word inserted before each of the five words independently with probability
 * `fillerProbability`. The claim is `claim` when given, otherwise drawn uniformly (quality, then
 * context).
 */
export function drawReferenceResponse(rng: Rng, topic: number, fillerProbability: number, claim?: ClaimSlots): string {
  const words = [
    pick(rng, topicGroups[topic] ?? topicGroups[0]),
    pick(rng, copulaWords),
    pick(rng, claim === undefined ? pick(rng, qualityGroups) : (qualityGroups[claim.quality] ?? qualityGroups[0])),
    pick(rng, claim === undefined ? pick(rng, contextGroups) : (contextGroups[claim.context] ?? contextGroups[0])),
    '.',
  ];
  const out: string[] = [];
  for (const word of words) {
    if (rng.next() < fillerProbability) out.push(pick(rng, fillerWords));
    out.push(word);
  }
  return out.join(' ');
}

/**
 * The claim of one reference response when the corpus concentrates on a dominant claim per topic:
 * the dominant claim (index `quality · 3 + context`) with probability `share`, otherwise one of the
 * other eight claims uniformly.
 */
export function drawConcentratedClaim(rng: Rng, dominant: number, share: number): ClaimSlots {
  let index = dominant;
  if (!(rng.next() < share)) {
    index = rng.int(claimsPerTopic - 1);
    if (index >= dominant) index++;
  }
  return { quality: Math.floor(index / numContexts), context: index % numContexts };
}
