import { linearRampGate, similarityMatrix } from '@prefplay/preference';
import { fillerWords, type SyntheticTask } from '@prefplay/synthetic';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import { initBrowserBackend } from './init-browser-backend.js';
import type { FromWorker, JudgedPrompt, ShownResponse, ToWorker } from './lab-messages.js';
import type { MainJobConfig } from './main-job-config.js';
import type { JudgedBatch } from './recording-oracle.js';
import { runLabExperiment } from './run-lab-experiment.js';

const port = self as unknown as {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
};
const post = (message: FromWorker) => port.postMessage(message);

const fillers = new Set<string>(fillerWords);

function shownResponse(task: SyntheticTask, tokens: readonly number[]): ShownResponse {
  const text = task.responseText(tokens);
  const words = text.length === 0 ? [] : text.split(' ');
  const meaning = task.meaningOf({ tokens });
  return {
    words: words.map((word) => ({ word, filler: fillers.has(word) })),
    fillers: meaning.fillerCount,
    wellFormed: meaning.wellFormed,
    meaning: meaning.wellFormed ? meaning.key : (meaning.problem ?? 'malformed'),
  };
}

async function judgedPrompts(
  task: SyntheticTask,
  config: MainJobConfig,
  method: string,
  batches: readonly JudgedBatch[],
): Promise<JudgedPrompt[]> {
  const gateOptions = config.methods.find((m) => m.method === method)?.calibration?.gate;
  const gate = gateOptions ? linearRampGate(gateOptions) : undefined;
  const out: JudgedPrompt[] = [];
  for (const batch of batches) {
    const truth = await task.truePreference.doCompare({ prompt: batch.prompt, responses: batch.responses });
    const embeddings = gate
      ? await task.encoder.doEncode({ prompt: batch.prompt, responses: batch.responses })
      : undefined;
    out.push({
      prompt: (batch.prompt as { text?: string }).text ?? batch.prompt.id,
      responses: batch.responses.map((r) => shownResponse(task, r.tokens)),
      judge: batch.matrix,
      truth,
      ...(gate && embeddings ? { gate: similarityMatrix(embeddings).map((row) => row.map((s) => gate.apply(s))) } : {}),
    });
  }
  return out;
}

async function start(config: MainJobConfig, backend: Parameters<typeof initBrowserBackend>[0]) {
  try {
    const choice = await initBrowserBackend(backend, {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    });
    post({ type: 'backend', choice });
    const before = tf.memory().numTensors;
    const started = performance.now();
    // judged prompts are prepared in order, after the iteration that sampled them
    let pending = Promise.resolve();
    const summary = await runLabExperiment(config, {
      onBaseStep: (step, steps, loss) => post({ type: 'base-step', step, steps, loss }),
      onBaseReady: (seconds) => post({ type: 'base-ready', seconds }),
      onIdeal: (ideal) => post({ type: 'ideal', ideal }),
      onProgress: (method, progress) => post({ type: 'progress', method, progress }),
      onIteration: (method, summary) => post({ type: 'iteration', method, summary }),
      onJudged: (method, iteration, batches, task) => {
        pending = pending.then(async () =>
          post({ type: 'judged', method, iteration, prompts: await judgedPrompts(task, config, method, batches) }),
        );
      },
    });
    await pending;
    post({
      type: 'done',
      summary,
      seconds: (performance.now() - started) / 1000,
      tensors: { before, after: tf.memory().numTensors },
    });
  } catch (error) {
    post({ type: 'failed', message: String((error as Error)?.message ?? error) });
  }
}

// one run per worker: the page starts a fresh worker for every run and terminates it to stop
port.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'start') void start(message.config, message.backend);
});
