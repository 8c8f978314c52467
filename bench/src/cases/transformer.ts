import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecoderV1 } from '@prefplay/core';
import { createTransformerPolicy } from '@prefplay/policies';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchCase } from '../bench-case.js';

const reference = { vocabSize: 256, dModel: 128, numLayers: 2, numHeads: 4, maxSequenceLength: 64, seed: 0 };
const batch = 16;
const promptLength = 8;
// A one-token prompt plus 63 new tokens fills the 64-position model (the PyTorch script matches).
const newTokens = reference.maxSequenceLength - 1;
const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('../../python/transformer_bench.py', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Greedy (temperature 0) or temperature sampling over a DecodingSessionV1; returns tokens/s. */
function sampleTokensPerSecond(decoder: DecoderV1, rows: number, temperature: number, seed: number): number {
  const session = decoder.doBeginDecoding({ prompts: Array.from({ length: rows }, () => [1]), useCache: true });
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const start = performance.now();
  for (let step = 0; step < newTokens; step++) {
    const logits = session.doNextLogits();
    const chosen = tf.tidy(() => {
      if (temperature === 0) return tf.argMax(logits, 1);
      const probs = tf.softmax(tf.div(logits, temperature));
      return probs;
    });
    const values = chosen.dataSync();
    const tokens: number[] = [];
    if (temperature === 0) tokens.push(...Array.from(values));
    else {
      const vocab = decoder.vocabSize;
      for (let r = 0; r < rows; r++) {
        let u = uniform();
        let token = vocab - 1;
        for (let v = 0; v < vocab; v++) {
          u -= values[r * vocab + v] as number;
          if (u < 0) {
            token = v;
            break;
          }
        }
        tokens.push(token);
      }
    }
    tf.dispose([logits, chosen]);
    if (step < newTokens - 1) session.doAppend(tokens);
  }
  const seconds = (performance.now() - start) / 1000;
  session.dispose();
  return (rows * newTokens) / seconds;
}

function torchBaseline(log: (line: string) => void): Record<string, number> | undefined {
  if (!existsSync(python)) return undefined;
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    log(`  ${python} has no torch: install Debian's python3-torch and libopenblas0-pthread for the baseline`);
    return undefined;
  }
  try {
    const out = execFileSync(python, [script], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>;
  } catch (error) {
    log(`  PyTorch baseline failed: ${String((error as Error).message ?? error).slice(0, 300)}`);
    return undefined;
  }
}

type Measured = {
  trainStepMs: number;
  samplingTokensPerSecBatch1: number;
  samplingTokensPerSec: number;
  samplingTemperatureTokensPerSec: number;
};

function measureOurs(log: (line: string) => void): Measured {
  const policy = createTransformerPolicy(reference);
  const prompts: number[][] = [];
  const responses: number[][] = [];
  let seed = 7;
  const token = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % reference.vocabSize;
  };
  for (let b = 0; b < batch; b++) {
    prompts.push([1, ...Array.from({ length: promptLength - 1 }, token)]);
    responses.push(Array.from({ length: reference.maxSequenceLength - promptLength }, token));
  }
  const optimizer = tf.train.adam(1e-3);
  const trainStep = () => {
    const start = performance.now();
    const cost = optimizer.minimize(
      () => tf.neg(tf.mean(policy.doForward({ prompts, responses }).logps)) as tf.Scalar,
      true,
      policy.trainableVariables() as tf.Variable[],
    );
    cost?.dataSync();
    cost?.dispose();
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) trainStep();
  const times = Array.from({ length: 7 }, trainStep);
  log(`  train steps (ms): ${times.map((t) => t.toFixed(0)).join(' ')}`);
  sampleTokensPerSecond(policy, 1, 0, 1);
  const measured = {
    trainStepMs: median(times),
    samplingTokensPerSecBatch1: median([0, 1, 2].map((s) => sampleTokensPerSecond(policy, 1, 0, s))),
    samplingTokensPerSec: median([0, 1, 2].map((s) => sampleTokensPerSecond(policy, batch, 0, s))),
    samplingTemperatureTokensPerSec: sampleTokensPerSecond(policy, batch, 1, 3),
  };
  optimizer.dispose();
  policy.dispose();
  return measured;
}

const rounds = 2;

export const transformerBench: BenchCase = {
  name: 'transformer',
  description:
    'reference transformer (vocab 256, d 128, 2 layers, 4 heads, T 64): Adam train step at batch 16, KV-cached sampling at batch 1 and 16, vs PyTorch CPU (alternating rounds, best round of each side, because the machine is shared)',
  async run({ log }) {
    const ours: Measured[] = [];
    const torchRounds: Record<string, number>[] = [];
    for (let round = 0; round < rounds; round++) {
      ours.push(measureOurs(log));
      const torch = torchBaseline(log);
      if (!torch) break;
      log(`  PyTorch round ${round + 1}: ${JSON.stringify(torch)}`);
      torchRounds.push(torch);
    }
    const best = (values: number[], lowerIsBetter: boolean) =>
      lowerIsBetter ? Math.min(...values) : Math.max(...values);
    const trainStepMs = best(
      ours.map((m) => m.trainStepMs),
      true,
    );
    const samplingTokensPerSec = best(
      ours.map((m) => m.samplingTokensPerSec),
      false,
    );
    const samplingTokensPerSecBatch1 = best(
      ours.map((m) => m.samplingTokensPerSecBatch1),
      false,
    );
    const torchValue = (key: string, lowerIsBetter: boolean) =>
      torchRounds.length === 0
        ? null
        : best(
            torchRounds.map((t) => t[key] as number),
            lowerIsBetter,
          );
    const torchTrainStepMs = torchValue('trainStepMs', true);
    const torchSamplingTokensPerSec = torchValue('samplingTokensPerSec', false);
    const torchSamplingTokensPerSecBatch1 = torchValue('samplingTokensPerSecBatch1', false);
    return {
      trainStepMs,
      torchTrainStepMs,
      trainStepRatioVsTorch: torchTrainStepMs === null ? null : torchTrainStepMs / trainStepMs,
      samplingTokensPerSec,
      samplingTokensPerSecBatch1,
      samplingTemperatureTokensPerSec: best(
        ours.map((m) => m.samplingTemperatureTokensPerSec),
        false,
      ),
      torchSamplingTokensPerSec,
      torchSamplingTokensPerSecBatch1,
      samplingRatioVsTorch:
        torchSamplingTokensPerSec === null ? null : samplingTokensPerSec / torchSamplingTokensPerSec,
      samplingRatioVsTorchBatch1:
        torchSamplingTokensPerSecBatch1 === null ? null : samplingTokensPerSecBatch1 / torchSamplingTokensPerSecBatch1,
      sampledNewTokens: newTokens,
    };
  },
};
