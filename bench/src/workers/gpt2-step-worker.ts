// One process per measurement of bench/src/cases/gpt2-step.ts, so each peak RSS is its own:
// node bench/dist/workers/gpt2-step-worker.js --mode lora|full [--steps 3] [--seq 256]
// Prints one JSON line: { stepMs, stepCpuMs (per timed step), buildMs, maxRssMB, wasmHeapMB, numParameters, trainable }.
import { parseArgs } from 'node:util';
import { initBackend } from '@prefplay/core/node';
import { createHuggingFacePolicy } from '@prefplay/policies';
import * as tf from '@tensorflow/tfjs-core';

/** GPT-2 small (124M parameters), as in openai-community/gpt2's config.json. */
export const gpt2SmallConfig = {
  model_type: 'gpt2',
  vocab_size: 50257,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  n_positions: 1024,
  layer_norm_epsilon: 1e-5,
  activation_function: 'gelu_new',
  tie_word_embeddings: true,
};

/** A Llama-shaped model of about the same size (125M parameters), with grouped-query attention. */
export const llamaSmallConfig = {
  model_type: 'llama',
  vocab_size: 32000,
  hidden_size: 768,
  intermediate_size: 2048,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_key_value_heads: 4,
  max_position_embeddings: 1024,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
};

const { values } = parseArgs({
  options: {
    family: { type: 'string', default: 'gpt2' },
    mode: { type: 'string', default: 'full' },
    steps: { type: 'string', default: '3' },
    seq: { type: 'string', default: '256' },
  },
});
await initBackend();
const seq = Number(values.seq);
const buildStart = performance.now();
const config = values.family === 'llama' ? llamaSmallConfig : gpt2SmallConfig;
const policy = createHuggingFacePolicy({
  config,
  seed: 0,
  ...(values.mode === 'lora' ? { lora: { r: 8, alpha: 16 } } : {}),
});
const buildMs = performance.now() - buildStart;
let state = 12345;
const token = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state % config.vocab_size;
};
// One prompt token, then seq − 1 scored tokens: T = seq, batch 1 (the PyTorch script matches).
const prompts = [[token()]];
const responses = [Array.from({ length: seq - 1 }, token)];
const variables = policy.trainableVariables() as tf.Variable[];
const cpuMs: number[] = [];
const step = () => {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const { value, grads } = tf.variableGrads(
    () => tf.neg(tf.sum(policy.doForward({ prompts, responses }).logps)) as tf.Scalar,
    variables,
  );
  value.dataSync();
  for (const g of Object.values(grads)) g.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  const used = process.cpuUsage(cpu);
  cpuMs.push((used.user + used.system) / 1000);
  return performance.now() - start;
};
step();
cpuMs.length = 0;
const stepMs = Array.from({ length: Number(values.steps) }, step);
const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
process.stdout.write(
  `${JSON.stringify({
    stepMs,
    stepCpuMs: cpuMs,
    buildMs,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    wasmHeapMB: backend.wasm?.HEAPU8 ? backend.wasm.HEAPU8.buffer.byteLength / 2 ** 20 : null,
    numParameters: policy.numParameters,
    trainable: variables.reduce((n, v) => n + v.size, 0),
  })}\n`,
);
policy.dispose();
