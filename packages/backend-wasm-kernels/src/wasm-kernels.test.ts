import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PrefplayError } from '@prefplay/core';
import { useTestBackend } from '@prefplay/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plainKernelsBase64, relaxedKernelsBase64 } from './kernel-binaries.js';
import type { KernelExports } from './kernel-instance.js';
import {
  configureWasmKernels,
  decodeBase64,
  getWasmKernels,
  prepareWasmKernels,
  type WasmKernelsOptions,
  wasmKernelsStatus,
} from './wasm-kernels.js';

beforeAll(async () => {
  await useTestBackend();
});

const testSimd = process.env.PREFPLAY_TEST_WASM_SIMD;
const defaults: WasmKernelsOptions = testSimd === 'relaxed' || testSimd === 'auto' ? { simd: testSimd } : {};
afterEach(() => {
  configureWasmKernels(defaults);
});

const exported: (keyof KernelExports)[] = [
  '__stack_pointer',
  'sgemm',
  'sgemm_scratch_floats',
  'column_sum',
  'attention_forward',
  'attention_forward_scratch_floats',
  'attention_backward',
  'attention_backward_scratch_floats',
  'copy_rows',
  'layer_norm_forward',
  'layer_norm_backward',
  'gelu_forward',
  'gelu_backward',
  'token_logp_forward',
  'token_logp_backward',
  'adam_update',
  'embedding_forward',
  'scatter_add_rows',
  'add_forward',
];

function hasClang16(): boolean {
  return spawnSync('clang-16', ['--version']).status === 0 && spawnSync('wasm-ld-16', ['--version']).status === 0;
}

describe('wasm kernels loader', () => {
  it('decodes base64 like Node does', () => {
    for (const text of [plainKernelsBase64, relaxedKernelsBase64, 'QQ==', 'QUI=', 'QUJD', '']) {
      expect(Buffer.from(decodeBase64(text)).equals(Buffer.from(text, 'base64'))).toBe(true);
    }
    expect(() => decodeBase64('QU*D')).toThrow(/invalid base64 character at 2/);
  });

  it('ships two modules that import only tfjs memory and export every kernel', () => {
    for (const text of [plainKernelsBase64, relaxedKernelsBase64]) {
      // Node 20 compiles relaxed SIMD only with --experimental-wasm-relaxed-simd.
      if (!WebAssembly.validate(decodeBase64(text))) continue;
      const module = new WebAssembly.Module(decodeBase64(text));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      const names = WebAssembly.Module.exports(module).map((e) => e.name);
      expect(names.sort()).toEqual([...exported].sort());
    }
    expect(WebAssembly.validate(decodeBase64(plainKernelsBase64))).toBe(true);
  });

  it.skipIf(testSimd !== undefined && testSimd !== 'plain')(
    'loads the plain build on the wasm backend by default',
    async () => {
      expect(wasmKernelsStatus()).toEqual({ available: true, simd: 'plain' });
      expect(await prepareWasmKernels()).toEqual({ available: true, simd: 'plain' });
      expect(getWasmKernels()?.simd).toBe('plain');
    },
  );

  it('can be disabled, and picks relaxed SIMD only where the engine validates it', () => {
    configureWasmKernels({ enabled: false });
    expect(getWasmKernels()).toBeUndefined();
    expect(wasmKernelsStatus()).toEqual({
      available: false,
      reason: 'disabled by configureWasmKernels({ enabled: false })',
    });
    const relaxed = WebAssembly.validate(decodeBase64(relaxedKernelsBase64));
    configureWasmKernels({ simd: 'auto' });
    expect(getWasmKernels()?.simd).toBe(relaxed ? 'relaxed' : 'plain');
    configureWasmKernels({ simd: 'relaxed' });
    expect(wasmKernelsStatus()).toEqual(
      relaxed
        ? { available: true, simd: 'relaxed' }
        : { available: false, reason: 'relaxed SIMD was asked for, but this engine does not validate it' },
    );
  });

  it('rejects unknown options with a PrefplayError', () => {
    expect(() => configureWasmKernels({ simd: 'fast' as 'plain' })).toThrow(PrefplayError);
  });

  it.skipIf(!hasClang16())('matches a rebuild of csrc/ with clang 16 byte for byte', () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    expect(execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' })).toMatch(/match a rebuild/);
  });
});
