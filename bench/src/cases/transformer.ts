import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { configureWasmKernels, createAdamOptimizer, wasmKernelsStatus } from '@prefplay/backend-wasm-kernels';
import type { DecoderV1 } from '@prefplay/core';
import { createTransformerPolicy, type TransformerPolicy } from '@prefplay/policies';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchCase } from '../bench-case.js';
import { formatSpread, median, spreadFields } from '../rounds.js';

const reference = { vocabSize: 256, dModel: 128, numLayers: 2, numHeads: 4, seed: 0 };
const promptLength = 8;
// A one-token prompt plus 63 new tokens fills the 64-position model (the PyTorch script matches).
const newTokens = 63;
const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('../../python/transformer_bench.py', import.meta.url));
/** The BLAS threads PyTorch may use; one, like the single-threaded wasm backend. */
const openblasThreads = '1';

type Subcase = {
  readonly name: string;
  readonly kind: 'train' | 'sample';
  readonly length: number;
  readonly batch: number;
};

const subcases: readonly Subcase[] = [
  { name: 'train-t64', kind: 'train', length: 64, batch: 16 },
  { name: 'train-t256', kind: 'train', length: 256, batch: 16 },
  { name: 'train-t64-b64', kind: 'train', length: 64, batch: 64 },
  { name: 'sample-b1', kind: 'sample', length: 64, batch: 1 },
  { name: 'sample-b16', kind: 'sample', length: 64, batch: 16 },
  { name: 'sample-b64', kind: 'sample', length: 64, batch: 64 },
];

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
    const chosen = tf.tidy(() => (temperature === 0 ? tf.argMax(logits, 1) : tf.softmax(tf.div(logits, temperature))));
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

/** A seeded batch of `batch` rows of `length` tokens: an 8-token prompt, the rest response. */
function trainBatch(batch: number, length: number): { prompts: number[][]; responses: number[][] } {
  let seed = 7;
  const token = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % reference.vocabSize;
  };
  const prompts: number[][] = [];
  const responses: number[][] = [];
  for (let b = 0; b < batch; b++) {
    prompts.push([1, ...Array.from({ length: promptLength - 1 }, token)]);
    responses.push(Array.from({ length: length - promptLength }, token));
  }
  return { prompts, responses };
}

/** Median ms of `steps` Adam steps (after `warmup`) of the summed response log-likelihood. */
function trainStepMs(policy: TransformerPolicy, batch: number, length: number, warmup: number, steps: number) {
  const { prompts, responses } = trainBatch(batch, length);
  // tf.train.adam, with the update fused into one kernel per variable on the wasm backend.
  const optimizer = createAdamOptimizer(1e-3);
  const step = () => {
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
  for (let i = 0; i < warmup; i++) step();
  const times = Array.from({ length: steps }, step);
  optimizer.dispose();
  return median(times);
}

function torchAvailable(log: (line: string) => void): boolean {
  if (!existsSync(python)) {
    log(`  ${python} not found: the PyTorch baseline is skipped`);
    return false;
  }
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    log(`  ${python} has no torch: install Debian's python3-torch and libopenblas0-pthread for the baseline`);
    return false;
  }
}

/**
 * One PyTorch process answering case by case (`transformer_bench.py --serve`), so that each of our
 * measurements is paired with the baseline's taken right after it, seconds apart rather than a round
 * apart: the load of the shared machine drifts on that time scale.
 */
async function startTorch(steps: number) {
  const child = spawn(python, [script, '--serve', '--steps', String(steps)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: openblasThreads, OMP_NUM_THREADS: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const read = async () => {
    const next = await lines.next();
    if (next.done) throw new Error('the PyTorch baseline process ended');
    return JSON.parse(next.value) as Record<string, number | string>;
  };
  const info = await read();
  return {
    info,
    async measure(name: string): Promise<number> {
      child.stdin.write(`${name}\n`);
      return Number((await read())[name]);
    },
    close() {
      child.stdin.end();
    },
  };
}

export const transformerBench: BenchCase = {
  name: 'transformer',
  description: `reference transformer (vocab 256, d 128, 2 layers, 4 heads): Adam train step (T 64 and 256, batch 16; T 64 batch 64) and greedy sampling of ${newTokens} tokens (batch 1, 16, 64) vs PyTorch 1.13 + OpenBLAS (OPENBLAS_NUM_THREADS=${openblasThreads}, torch threads 1) with a KV cache and without; each case measured on both sides back to back, medians and ranges of the per-round ratios`,
  async run({ log, rounds = 5, quick = false, subcases: wanted = [] }) {
    const unknown = wanted.filter((name) => !subcases.some((s) => s.name === name));
    if (unknown.length > 0) {
      throw new Error(
        `unknown transformer sub-case(s) ${unknown.join(', ')}: ${subcases.map((s) => s.name).join(', ')}`,
      );
    }
    const selected = wanted.length > 0 ? subcases.filter((s) => wanted.includes(s.name)) : subcases;
    const policies = new Map<number, TransformerPolicy>();
    const policyFor = (length: number) => {
      let policy = policies.get(length);
      if (!policy) {
        policy = createTransformerPolicy({ ...reference, maxSequenceLength: length });
        policies.set(length, policy);
      }
      return policy;
    };
    const withTorch = torchAvailable(log);
    const ours = new Map<string, number[]>();
    const torch = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, key: string, value: number) => {
      map.set(key, [...(map.get(key) ?? []), value]);
    };
    const steps = quick ? 3 : 5;
    const kernels = wasmKernelsStatus();
    // The relaxed-SIMD build is measured too where the engine runs it (Node 20 with
    // --experimental-wasm-relaxed-simd, as `pnpm bench` starts it); the default is the plain build.
    configureWasmKernels({ simd: 'relaxed' });
    const relaxed = wasmKernelsStatus().available;
    configureWasmKernels({});
    log(
      `  wasm kernels: ${kernels.available ? `${kernels.simd} SIMD build (default)` : `not used (${kernels.reason})`}${relaxed ? '; relaxed-SIMD build measured as a second row for the train step' : ''}`,
    );
    const trainMs = (s: Subcase) =>
      trainStepMs(
        policyFor(s.length),
        s.batch,
        s.length,
        1,
        s.length > 64 || s.batch > 16 ? Math.max(2, steps - 2) : steps,
      );
    let torchServer: Awaited<ReturnType<typeof startTorch>> | undefined;
    if (withTorch) {
      try {
        torchServer = await startTorch(steps);
      } catch (error) {
        log(`  PyTorch baseline failed to start: ${String((error as Error).message ?? error).slice(0, 300)}`);
      }
    }
    const torchInfo = torchServer?.info;
    const measureOurs = (s: Subcase) =>
      s.kind === 'train'
        ? trainMs(s)
        : Math.max(
            sampleTokensPerSecond(policyFor(s.length), s.batch, 0, 1),
            sampleTokensPerSecond(policyFor(s.length), s.batch, 0, 2),
          );
    // Sampling paths warm up once before the rounds (the train step warms up inside each measurement).
    for (const s of selected) if (s.kind === 'sample') measureOurs(s);
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      // Per sub-case: ours (plain build), ours (relaxed build, train only), then PyTorch, back to back.
      for (const s of selected) {
        const mine = measureOurs(s);
        push(ours, s.name, mine);
        let mineRelaxed: number | undefined;
        if (relaxed && s.kind === 'train') {
          configureWasmKernels({ simd: 'relaxed' });
          mineRelaxed = measureOurs(s);
          configureWasmKernels({});
          push(ours, `${s.name}-relaxed`, mineRelaxed);
        }
        const digits = s.kind === 'train' ? 1 : 0;
        let text = `${s.name} ${mine.toFixed(digits)}${mineRelaxed === undefined ? '' : `/${mineRelaxed.toFixed(digits)}`}`;
        if (torchServer) {
          const base = await torchServer.measure(s.name);
          push(torch, s.name, base);
          push(ratios, s.name, s.kind === 'train' ? base / mine : mine / base);
          if (mineRelaxed !== undefined) push(ratios, `${s.name}-relaxed`, base / mineRelaxed);
          text += ` vs ${base.toFixed(digits)}`;
          if (s.kind === 'sample' && s.batch <= 16) {
            const naive = `naive-b${s.batch}`;
            const slow = await torchServer.measure(naive);
            push(torch, naive, slow);
            push(ratios, naive, mine / slow);
          }
        }
        line.push(text);
      }
      log(`  round ${round + 1} (ours${relaxed ? '/relaxed' : ''} vs PyTorch): ${line.join(', ')}`);
    }
    torchServer?.close();
    const keys: Record<string, string> = {
      'train-t64': 'trainStep',
      'train-t256': 'trainStepT256',
      'train-t64-b64': 'trainStepBatch64',
      'sample-b1': 'samplingBatch1',
      'sample-b16': 'sampling',
      'sample-b64': 'samplingBatch64',
    };
    const result: Record<string, number | string | null> = {
      wasmKernels: kernels.available ? kernels.simd : `off: ${kernels.reason}`,
      torchVersion: torchInfo ? String(torchInfo.torchVersion) : null,
      torchBlas: torchInfo ? String(torchInfo.blas) : null,
      torchOpenblasThreads: openblasThreads,
    };
    const ratioKey: Record<string, string> = {
      'train-t64': 'trainStepRatioVsTorch',
      'train-t256': 'trainStepRatioVsTorchT256',
      'train-t64-b64': 'trainStepRatioVsTorchBatch64',
      'sample-b1': 'samplingRatioVsTorchKvCacheBatch1',
      'sample-b16': 'samplingRatioVsTorchKvCache',
      'sample-b64': 'samplingRatioVsTorchKvCacheBatch64',
      'naive-b1': 'samplingRatioVsTorchNoCacheBatch1',
      'naive-b16': 'samplingRatioVsTorchNoCache',
    };
    for (const s of selected) {
      const base = keys[s.name] as string;
      const unit = s.kind === 'train' ? 'Ms' : 'TokensPerSec';
      Object.assign(result, spreadFields(`${base}${unit}`, ours.get(s.name) ?? []));
      Object.assign(
        result,
        spreadFields(`torch${base[0]?.toUpperCase()}${base.slice(1)}${unit}`, torch.get(s.name) ?? []),
      );
      // Throughput per sequence: sequences per second for a train step, tokens per second per row when sampling.
      const perSequence = (ours.get(s.name) ?? []).map((v) =>
        s.kind === 'train' ? (1000 * s.batch) / v : v / s.batch,
      );
      Object.assign(
        result,
        spreadFields(`${base}${s.kind === 'train' ? 'SequencesPerSec' : 'TokensPerSecPerSequence'}`, perSequence),
      );
      Object.assign(result, spreadFields(ratioKey[s.name] as string, ratios.get(s.name) ?? []));
      if (s.kind === 'train' && relaxed) {
        Object.assign(result, spreadFields(`${base}RelaxedSimdMs`, ours.get(`${s.name}-relaxed`) ?? []));
        Object.assign(result, spreadFields(`${ratioKey[s.name]}RelaxedSimd`, ratios.get(`${s.name}-relaxed`) ?? []));
        log(
          `  ${s.name} (relaxed SIMD): ours ${formatSpread(ours.get(`${s.name}-relaxed`) ?? [], 1)}, ratio ${formatSpread(ratios.get(`${s.name}-relaxed`) ?? [], 3)}`,
        );
      }
      if (s.kind === 'sample' && s.batch <= 16) {
        const naive = `naive-b${s.batch}`;
        Object.assign(
          result,
          spreadFields(`torchNoCache${s.batch === 1 ? 'Batch1' : ''}TokensPerSec`, torch.get(naive) ?? []),
        );
        Object.assign(result, spreadFields(ratioKey[naive] as string, ratios.get(naive) ?? []));
      }
      log(
        `  ${s.name}: ours ${formatSpread(ours.get(s.name) ?? [], 1)}, PyTorch ${formatSpread(torch.get(s.name) ?? [], 1)}, ratio ${formatSpread(ratios.get(s.name) ?? [], 3)}`,
      );
    }
    result.sampledNewTokens = newTokens;
    for (const policy of policies.values()) policy.dispose();
    return result;
  },
};
