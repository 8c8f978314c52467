export {
  type BackendAttempt,
  type BackendChoice,
  type BackendHost,
  type BackendName,
  backendEnvVariable,
  backendNames,
  describeBackend,
  type InitBackendOptions,
  initBackend,
} from './node/backend.js';
export { writeFileAtomic } from './node/write-file-atomic.js';
