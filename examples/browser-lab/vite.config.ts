import { defineConfig } from 'vite';

export default defineConfig({
  // relative asset URLs: the built folder works from any path of any static host
  base: './',
  worker: { format: 'es' },
  // the worker's dependencies, bundled when the dev server starts: found later, on the worker's
  // first request, they would make the server reload the page under a running worker
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'] },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // tfjs alone is over a megabyte minified; the report states the real size
    chunkSizeWarningLimit: 4096,
    // the worker's bundle is built inside the page's build: its time is not a slow plugin
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
