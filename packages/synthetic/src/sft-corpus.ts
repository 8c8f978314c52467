import type { Rng } from '@prefplay/core';
import { contextGroups, copulaWords, fillerWords, qualityGroups, topicGroups } from './vocabulary.js';

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

/**
 * One reference response on `topic`: a uniformly drawn claim (quality × context) in uniformly drawn
 * synonyms, `topic copula quality context .`, with a filler word inserted before each of the five
 * words independently with probability `fillerProbability`.
 */
export function drawReferenceResponse(rng: Rng, topic: number, fillerProbability: number): string {
  const words = [
    pick(rng, topicGroups[topic] ?? topicGroups[0]),
    pick(rng, copulaWords),
    pick(rng, pick(rng, qualityGroups)),
    pick(rng, pick(rng, contextGroups)),
    '.',
  ];
  const out: string[] = [];
  for (const word of words) {
    if (rng.next() < fillerProbability) out.push(pick(rng, fillerWords));
    out.push(word);
  }
  return out.join(' ');
}
