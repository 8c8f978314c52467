import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PrefplayError } from '../errors.js';
import { type BackendHost, describeBackend, initBackend } from './backend.js';

/** A simulated install: which packages exist, which have the native addon, which start. */
function fakeHost(installed: Record<string, { native?: boolean; starts?: boolean }>) {
  const loaded: string[] = [];
  const activated: string[] = [];
  const host: BackendHost = {
    packageDir: (name) => (name in installed ? `/fake/${name}` : undefined),
    hasNativeBinding: (dir) => installed[dir.slice('/fake/'.length)]?.native === true,
    load: async (name) => {
      loaded.push(name);
      if (installed[name]?.starts === false && name.includes('node')) throw new Error('libtensorflow missing');
    },
    registerGradients: async () => {},
    activate: async (backend) => {
      activated.push(backend);
      const byBackend = Object.entries(installed).find(([name]) =>
        backend === 'tensorflow' ? name.includes('tfjs-node') : name.endsWith(`backend-${backend}`),
      );
      return byBackend?.[1].starts !== false;
    },
  };
  return { host, loaded, activated };
}

describe('initBackend', () => {
  it('prefers tfjs-node-gpu when its native addon is present, and loads nothing else', async () => {
    const { host, loaded } = fakeHost({
      '@tensorflow/tfjs-node-gpu': { native: true },
      '@tensorflow/tfjs-node': { native: true },
      '@tensorflow/tfjs-backend-wasm': {},
    });
    const choice = await initBackend({ host, env: {} });
    expect(choice.backend).toBe('tensorflow-gpu');
    expect(loaded).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('skips tfjs-node packages installed without their native addon and falls to wasm', async () => {
    const { host, loaded } = fakeHost({
      '@tensorflow/tfjs-node-gpu': { native: false },
      '@tensorflow/tfjs-node': { native: false },
      '@tensorflow/tfjs-backend-wasm': {},
      '@tensorflow/tfjs-backend-cpu': {},
    });
    const choice = await initBackend({ host, env: {} });
    expect(choice.backend).toBe('wasm');
    expect(loaded).toEqual(['@tensorflow/tfjs-backend-wasm']);
    expect(choice.attempts.map((a) => a.outcome)).toEqual(['no-native-addon', 'no-native-addon', 'selected']);
  });

  it('probes only one tfjs-node package, then falls back when it fails to start', async () => {
    const { host, loaded } = fakeHost({
      '@tensorflow/tfjs-node-gpu': { native: true, starts: false },
      '@tensorflow/tfjs-node': { native: true },
      '@tensorflow/tfjs-backend-cpu': {},
    });
    const choice = await initBackend({ host, env: {} });
    expect(choice.backend).toBe('cpu');
    expect(loaded).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-cpu']);
    expect(choice.attempts[1]?.outcome).toBe('skipped');
    // the failure is said, with the loader's reason, not swallowed by the fallback
    expect(describeBackend(choice)).toMatch(
      /tfjs backend: cpu .*\nwarning: tensorflow-gpu is installed but failed to load: libtensorflow missing/,
    );
  });

  it('treats a false return of setBackend as failure', async () => {
    const { host } = fakeHost({
      '@tensorflow/tfjs-backend-wasm': { starts: false },
      '@tensorflow/tfjs-backend-cpu': {},
    });
    const choice = await initBackend({ host, env: {} });
    expect(choice.backend).toBe('cpu');
    expect(choice.attempts[2]?.outcome).toBe('failed');
  });

  it('obeys PREFPLAY_BACKEND and reports why', async () => {
    const { host } = fakeHost({ '@tensorflow/tfjs-backend-wasm': {}, '@tensorflow/tfjs-backend-cpu': {} });
    const choice = await initBackend({ host, env: { PREFPLAY_BACKEND: 'cpu' } });
    expect(choice.backend).toBe('cpu');
    expect(choice.reason).toBe('forced by PREFPLAY_BACKEND');
  });

  it('fails clearly when a forced backend is missing or unknown', async () => {
    const { host } = fakeHost({ '@tensorflow/tfjs-backend-cpu': {} });
    await expect(initBackend({ host, env: { PREFPLAY_BACKEND: 'tensorflow-gpu' } })).rejects.toThrow(
      /tfjs-node-gpu@4.22.0/,
    );
    await expect(initBackend({ host, env: { PREFPLAY_BACKEND: 'tpu' } })).rejects.toSatisfy(
      (e) =>
        PrefplayError.hasCode(e, 'backend-unavailable') && /not a backend prefplay knows/.test((e as Error).message),
    );
  });

  it('starts the real wasm backend on this machine, with gradients registered', async () => {
    const choice = await initBackend({ env: {} });
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(choice.backend);
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, v)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    tf.dispose([x, g]);
  });
});
