import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PrefplayError } from '../errors.js';

/** The backends prefplay knows, in the order `auto` tries them. */
export const backendNames = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

type Candidate = {
  readonly name: BackendName;
  readonly packageName: string;
  /** The name the package registers with tfjs. */
  readonly tfBackend: string;
  /** Needs libtensorflow's native addon, which its install script downloads. */
  readonly native: boolean;
};

const candidates: readonly Candidate[] = [
  { name: 'tensorflow-gpu', packageName: '@tensorflow/tfjs-node-gpu', tfBackend: 'tensorflow', native: true },
  { name: 'tensorflow', packageName: '@tensorflow/tfjs-node', tfBackend: 'tensorflow', native: true },
  { name: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm', native: false },
  { name: 'cpu', packageName: '@tensorflow/tfjs-backend-cpu', tfBackend: 'cpu', native: false },
];

/** The environment the detection runs against; replaceable to simulate installs in tests. */
export type BackendHost = {
  /** Directory of an installed package, or undefined when it is not installed. */
  packageDir(packageName: string): string | undefined;
  /** Whether a tfjs-node style package holds its native addon (`lib/<napi>/tfjs_binding.node`). */
  hasNativeBinding(packageDir: string): boolean;
  /** Loads a package for its side effect of registering a backend. */
  load(packageName: string): Promise<unknown>;
  /**
   * Registers tfjs's gradients and chained tensor methods. `@tensorflow/tfjs-core` alone ships
   * neither in its Node build; the `@tensorflow/tfjs` package registers both when loaded.
   */
  registerGradients(): Promise<void>;
  /** Activates a registered tfjs backend; resolves to whether it initialised. */
  activate(tfBackend: string): Promise<boolean>;
};

export type BackendAttempt = {
  readonly backend: BackendName;
  readonly outcome: 'selected' | 'not-installed' | 'no-native-addon' | 'failed' | 'skipped';
  readonly detail?: string;
};

export type BackendChoice = {
  readonly backend: BackendName;
  readonly packageName: string;
  /** tfjs's name for the active backend (`tf.getBackend()`). */
  readonly tfBackend: string;
  /** Why it was chosen: `forced by PREFPLAY_BACKEND`, `requested`, or `first available`. */
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
};

export type InitBackendOptions = {
  /** A backend to use, or `auto` (default) for the first available of `backendNames`. */
  readonly backend?: BackendName | 'auto';
  /** Environment to read `PREFPLAY_BACKEND` from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Module from which packages are resolved (defaults to this package). */
  readonly resolveFrom?: string | URL;
  readonly host?: Partial<BackendHost>;
};

export const backendEnvVariable = 'PREFPLAY_BACKEND';

function defaultHost(resolveFrom: string | URL): BackendHost {
  const require = createRequire(resolveFrom);
  return {
    packageDir(packageName) {
      try {
        return dirname(require.resolve(`${packageName}/package.json`));
      } catch {
        return undefined;
      }
    },
    hasNativeBinding(packageDir) {
      const lib = join(packageDir, 'lib');
      if (!existsSync(lib)) return false;
      return readdirSync(lib).some((entry) => existsSync(join(lib, entry, 'tfjs_binding.node')));
    },
    async load(packageName) {
      return require(packageName);
    },
    async registerGradients() {
      try {
        require('@tensorflow/tfjs');
      } catch (error) {
        throw new PrefplayError({
          code: 'backend-unavailable',
          problem: 'the package @tensorflow/tfjs is not installed, so tfjs has no gradients to train with',
          hint: 'Install @tensorflow/tfjs@4.22.0 beside @tensorflow/tfjs-core',
          cause: error,
        });
      }
    },
    async activate(tfBackend) {
      const ok = await tf.setBackend(tfBackend);
      if (!ok) return false;
      await tf.ready();
      return tf.getBackend() === tfBackend;
    },
  };
}

function parseRequested(options: InitBackendOptions): { requested: BackendName | 'auto'; reason: string } {
  const env = options.env ?? process.env;
  const fromEnv = env[backendEnvVariable]?.trim();
  if (fromEnv) {
    if (fromEnv !== 'auto' && !(backendNames as readonly string[]).includes(fromEnv)) {
      throw new PrefplayError({
        code: 'backend-unavailable',
        problem: `${backendEnvVariable}="${fromEnv}" is not a backend prefplay knows`,
        where: { field: backendEnvVariable },
        hint: `Set it to one of auto, ${backendNames.join(', ')}, or unset it`,
      });
    }
    return { requested: fromEnv as BackendName | 'auto', reason: `forced by ${backendEnvVariable}` };
  }
  const requested = options.backend ?? 'auto';
  return { requested, reason: requested === 'auto' ? 'first available' : 'requested' };
}

const installHint: Record<BackendName, string> = {
  'tensorflow-gpu':
    'Install @tensorflow/tfjs-node-gpu@4.22.0 with its install script allowed (it downloads libtensorflow; CUDA 11.2 and cuDNN 8.1 are needed)',
  tensorflow: 'Install @tensorflow/tfjs-node@4.22.0 with its install script allowed (it downloads libtensorflow)',
  wasm: 'Install @tensorflow/tfjs-backend-wasm@4.22.0',
  cpu: 'Install @tensorflow/tfjs-backend-cpu@4.22.0',
};

let current: BackendChoice | undefined;

/**
 * Registers tfjs's gradients, then selects and activates the TensorFlow.js backend: `PREFPLAY_BACKEND` if set, else the requested
 * one, else the first installed of tfjs-node-gpu, tfjs-node, wasm, cpu. Only one of the two
 * tfjs-node packages is ever loaded, and only when its native addon is present.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const { requested, reason } = parseRequested(options);
  const usingDefaultHost = options.host === undefined;
  if (usingDefaultHost && current && (requested === 'auto' || requested === current.backend)) {
    if (tf.getBackend() === current.tfBackend) return current;
  }
  const host: BackendHost = { ...defaultHost(options.resolveFrom ?? import.meta.url), ...options.host };
  await host.registerGradients();
  const attempts: BackendAttempt[] = [];
  const order = requested === 'auto' ? candidates : candidates.filter((c) => c.name === requested);
  let nativeProbed = false;
  for (const candidate of order) {
    const dir = host.packageDir(candidate.packageName);
    if (dir === undefined) {
      attempts.push({ backend: candidate.name, outcome: 'not-installed' });
      continue;
    }
    if (candidate.native) {
      if (nativeProbed) {
        attempts.push({ backend: candidate.name, outcome: 'skipped', detail: 'another tfjs-node package was probed' });
        continue;
      }
      if (!host.hasNativeBinding(dir)) {
        attempts.push({
          backend: candidate.name,
          outcome: 'no-native-addon',
          detail: `no lib/*/tfjs_binding.node in ${dir}`,
        });
        continue;
      }
      nativeProbed = true;
    }
    try {
      await host.load(candidate.packageName);
      const ok = await host.activate(candidate.tfBackend);
      if (!ok) {
        attempts.push({ backend: candidate.name, outcome: 'failed', detail: 'backend did not initialise' });
        continue;
      }
    } catch (error) {
      attempts.push({ backend: candidate.name, outcome: 'failed', detail: String((error as Error)?.message ?? error) });
      continue;
    }
    attempts.push({ backend: candidate.name, outcome: 'selected' });
    const choice: BackendChoice = {
      backend: candidate.name,
      packageName: candidate.packageName,
      tfBackend: candidate.tfBackend,
      reason,
      attempts,
    };
    if (usingDefaultHost) current = choice;
    return choice;
  }
  const tried = attempts.map((a) => `${a.backend}: ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join('; ');
  const hint = requested === 'auto' ? installHint.wasm : installHint[requested];
  throw new PrefplayError({
    code: 'backend-unavailable',
    problem: `no TensorFlow.js backend could be started (${reason}; tried ${tried || 'nothing'})`,
    hint,
  });
}

/** One line describing a backend choice, for logs and reports. */
export function describeBackend(choice: BackendChoice): string {
  const line = `tfjs backend: ${choice.backend} (${choice.packageName}, ${choice.reason})`;
  // a backend that is installed but did not start is worth a warning: its loader says why
  const failed = choice.attempts.filter((a) => a.outcome === 'failed');
  return [
    line,
    ...failed.map((a) => `warning: ${a.backend} is installed but failed to load: ${a.detail ?? 'no reason given'}`),
  ].join('\n');
}
