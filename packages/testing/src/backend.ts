import { type BackendChoice, initBackend } from '@prefplay/core/node';

/**
 * Activates the backend tests run on: `PREFPLAY_BACKEND` if set, else wasm, falling back to cpu.
 * Call it in `beforeAll`.
 */
export async function useTestBackend(): Promise<BackendChoice> {
  const forced = process.env.PREFPLAY_BACKEND;
  if (forced) return initBackend();
  try {
    return await initBackend({ backend: 'wasm' });
  } catch {
    return initBackend({ backend: 'cpu' });
  }
}
