#!/usr/bin/env node
// Builds the kernels' WebAssembly modules from csrc/*.c with clang 16 (Debian: apt-get install clang-16
// lld-16) and writes them, base64-encoded, to src/kernel-binaries.ts (committed, so that installing and
// building the package needs no C toolchain).
//
//   node scripts/build-wasm.mjs           rebuild and rewrite src/kernel-binaries.ts
//   node scripts/build-wasm.mjs --check   rebuild and fail unless the committed bytes are identical
//
// After linking, constant address additions are folded into the loads' offset immediates (wabt's
// wasm2wat and wat2wasm; Debian: apt-get install wabt): V8 cannot fold them itself, since an i32 add
// wraps while an offset does not, and clang 16 leaves them as adds. The fold is exact for addresses
// that do not wrap around 2³², which every in-bounds pointer into the tfjs heap satisfies.
//
// Two builds: `plain` (128-bit SIMD; bit-for-bit the same results on every engine, the default) and
// `relaxed` (adds relaxed-SIMD fused multiply-add; used only when asked for and WebAssembly.validate
// accepts it). Both import the tfjs wasm backend's memory and have no data segment of their own.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { foldLoadOffsets } from './fold-load-offsets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = readdirSync(join(root, 'csrc'))
  .filter((name) => name.endsWith('.c'))
  .sort()
  .map((name) => join('csrc', name));
const output = join(root, 'src', 'kernel-binaries.ts');
const clang = process.env.CLANG ?? 'clang-16';
const requiredMajor = 16;

const common = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-nostdlib',
  '-ffreestanding',
  '-fno-builtin',
  '-flto',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wno-unused-parameter',
  // no absolute paths in the output
  `-ffile-prefix-map=${root}=.`,
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--export=__stack_pointer',
  '-Wl,-z,stack-size=0',
  '-Wl,--initial-memory=65536',
  '-Wl,--lto-O3',
  '-Wl,--strip-all',
];
const variants = {
  plain: [],
  relaxed: ['-mrelaxed-simd', '-DPREFPLAY_RELAXED_SIMD'],
};

const wabtVersion = '1.0.32';

function fail(message) {
  process.stderr.write(`build-wasm: ${message}\n`);
  process.exit(1);
}

function compilerVersion() {
  let text;
  try {
    text = execFileSync(clang, ['--version'], { encoding: 'utf8' });
  } catch {
    fail(`${clang} not found: install clang-16 and lld-16 (Debian: apt-get install -y clang-16 lld-16) or set CLANG`);
  }
  const match = /clang version (\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match || Number(match[1]) !== requiredMajor) {
    fail(
      `${clang} is not clang ${requiredMajor} (${text.split('\n')[0]}); the committed bytes come from clang ${requiredMajor}`,
    );
  }
  return `${match[1]}.${match[2]}.${match[3]}`;
}

/** Section ids of a module, checked: memory imported from env, no data, no own memory. */
function checkModule(bytes, name) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) fail(`${name}: not a wasm module`);
  const ids = [];
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      result |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result >>> 0;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    ids.push(id);
    at += size;
  }
  if (ids.includes(11) || ids.includes(12)) fail(`${name}: has a data segment; kernels must not use static data`);
  if (ids.includes(5)) fail(`${name}: defines its own memory; it must import tfjs's`);
  if (!ids.includes(2)) fail(`${name}: imports nothing; it must import env.memory`);
}

function wabt() {
  for (const tool of ['wasm2wat', 'wat2wasm']) {
    let text;
    try {
      text = execFileSync(tool, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      fail(`${tool} not found: install wabt ${wabtVersion} (Debian: apt-get install -y wabt)`);
    }
    if (text !== wabtVersion) fail(`${tool} is version ${text}; the committed bytes come from wabt ${wabtVersion}`);
  }
}

/** `PATH` without directories that hold `wasm-opt`: clang runs it after linking when it finds it. */
function pathWithoutWasmOpt() {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => dir && !existsSync(join(dir, 'wasm-opt')))
    .join(':');
}

function build(dir) {
  const out = {};
  const env = { ...process.env, PATH: pathWithoutWasmOpt() };
  for (const [variant, flags] of Object.entries(variants)) {
    const linked = join(dir, `${variant}-linked.wasm`);
    execFileSync(clang, [...common, ...flags, '-o', linked, ...sources], {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const wat = join(dir, `${variant}.wat`);
    const file = join(dir, `${variant}.wasm`);
    execFileSync('wasm2wat', ['--enable-all', linked, '-o', wat], { stdio: ['ignore', 'inherit', 'inherit'] });
    writeFileSync(wat, foldLoadOffsets(readFileSync(wat, 'utf8')));
    execFileSync('wat2wasm', ['--enable-all', wat, '-o', file], { stdio: ['ignore', 'inherit', 'inherit'] });
    const bytes = readFileSync(file);
    checkModule(bytes, variant);
    out[variant] = bytes;
  }
  return out;
}

function render(version, modules) {
  const lines = [
    `// Generated by scripts/build-wasm.mjs from ${sources.join(', ')} with clang ${version} and wabt ${wabtVersion}. Do not edit:`,
    '// change the C sources and run `pnpm --filter @prefplay/backend-wasm-kernels build:wasm`.',
    '',
    `/** The compiler the modules were built with. */`,
    `export const kernelCompiler = 'clang ${version}';`,
    '',
    `/** 128-bit SIMD build (${modules.plain.length} bytes), base64. */`,
    `export const plainKernelsBase64 =\n  '${modules.plain.toString('base64')}';`,
    '',
    `/** Relaxed-SIMD (fused multiply-add) build (${modules.relaxed.length} bytes), base64. */`,
    `export const relaxedKernelsBase64 =\n  '${modules.relaxed.toString('base64')}';`,
    '',
  ];
  return lines.join('\n');
}

const version = compilerVersion();
wabt();
const dir = mkdtempSync(join(tmpdir(), 'prefplay-wasm-'));
try {
  const text = render(version, build(dir));
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(output, 'utf8');
    } catch {
      fail(`${output} is missing; run build:wasm`);
    }
    if (committed !== text) {
      fail(
        'src/kernel-binaries.ts does not match a rebuild of csrc/: run `pnpm --filter @prefplay/backend-wasm-kernels build:wasm` and commit the result',
      );
    }
    process.stdout.write(`build-wasm: committed modules match a rebuild with clang ${version}\n`);
  } else {
    writeFileSync(output, text);
    process.stdout.write(`build-wasm: wrote src/kernel-binaries.ts (clang ${version})\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
