// @tensorflow/tfjs registers tfjs's gradients and chained tensor methods (tfjs-core alone ships
// neither), and the webgl and cpu backends; initBackend in @prefplay/core/node loads it for the
// same reason in Node.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { LabBackendName } from './lab-settings.js';

/** The `.wasm` files of tfjs-backend-wasm, as the app serves them (file name → URL). */
export type WasmFileUrls = {
  readonly 'tfjs-backend-wasm.wasm': string;
  readonly 'tfjs-backend-wasm-simd.wasm': string;
  readonly 'tfjs-backend-wasm-threaded-simd.wasm': string;
};

export type BrowserBackendAttempt = {
  readonly backend: Exclude<LabBackendName, 'auto'>;
  readonly outcome: 'selected' | 'failed' | 'skipped';
  readonly detail?: string;
};

export type BrowserBackendChoice = {
  readonly backend: Exclude<LabBackendName, 'auto'>;
  readonly reason: 'first available' | 'requested';
  readonly attempts: readonly BrowserBackendAttempt[];
  /** What the backend reports about itself (WebGL version, wasm SIMD and threads). */
  readonly detail: string;
};

const order = ['webgl', 'wasm', 'cpu'] as const;

/** Renderers that draw WebGL on the CPU (headless browsers, machines without a GPU driver). */
const softwareRenderer = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** The WebGL renderer's name, or undefined when WebGL or its name is unavailable. */
function webglRenderer(): string | undefined {
  try {
    if (typeof OffscreenCanvas === 'undefined') return undefined;
    const canvas = new OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (gl === null) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return undefined;
  }
}

function describe(backend: string): string {
  if (backend === 'webgl') {
    const version = tf.env().getNumber('WEBGL_VERSION');
    const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
    return `WebGL ${version}${float32 ? ', float32 textures' : ', float16 textures'}`;
  }
  if (backend === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return `WebAssembly${simd ? ' SIMD' : ''}${threads ? ', threads' : ', one thread'}`;
  }
  return 'plain JavaScript';
}

/**
 * Activates a TensorFlow.js backend in the page or worker: the requested one, or for `auto` the
 * first of webgl, wasm and cpu that starts, webgl only on a hardware renderer. Throws naming
 * every failure when none does.
 */
export async function initBrowserBackend(
  requested: LabBackendName,
  wasmFiles: WasmFileUrls,
): Promise<BrowserBackendChoice> {
  setWasmPaths({ ...wasmFiles });
  const attempts: BrowserBackendAttempt[] = [];
  const candidates = requested === 'auto' ? order : [requested];
  for (const backend of candidates) {
    if (requested === 'auto' && backend === 'webgl') {
      // WebGL drawn on the CPU trains several times slower than wasm: auto skips it
      const renderer = webglRenderer();
      if (renderer !== undefined && softwareRenderer.test(renderer)) {
        attempts.push({ backend, outcome: 'skipped', detail: `software renderer (${renderer})` });
        continue;
      }
    }
    try {
      const ok = await tf.setBackend(backend);
      await tf.ready();
      // after a failed start getBackend() can still name the failed backend: check both
      if (ok && tf.getBackend() === backend) {
        attempts.push({ backend, outcome: 'selected' });
        return {
          backend,
          reason: requested === 'auto' ? 'first available' : 'requested',
          attempts,
          detail: describe(backend),
        };
      }
      attempts.push({ backend, outcome: 'failed', detail: 'backend did not initialise' });
    } catch (error) {
      attempts.push({ backend, outcome: 'failed', detail: String((error as Error)?.message ?? error) });
    }
  }
  const tried = attempts.map((a) => `${a.backend}: ${a.detail ?? a.outcome}`).join('; ');
  throw new Error(`no TensorFlow.js backend started (tried ${tried})`);
}
