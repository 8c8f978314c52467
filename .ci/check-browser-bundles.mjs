// Bundles the main entry of every library package for the browser (no Node built-ins allowed).
import { build } from 'esbuild';

const entries = [
  'core',
  'losses',
  'preference',
  'preference/dist/bradley-terry.js',
  'evaluators',
  'samplers',
  'policies',
  'backend-wasm-kernels',
  'openai',
  'synthetic',
  'trainers',
];
let failed = 0;
for (const entry of entries) {
  const path = entry.includes('/') ? `packages/${entry}` : `packages/${entry}/dist/index.js`;
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const bytes = result.outputFiles.reduce((sum, f) => sum + f.contents.byteLength, 0);
    console.log(`ok   ${path} (${(bytes / 1024).toFixed(0)} KiB unminified)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${path}`);
    for (const e of error.errors ?? [error])
      console.log(`     ${e.text ?? e.message} ${e.location ? `(${e.location.file}:${e.location.line})` : ''}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
