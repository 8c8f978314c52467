export {
  checkpointFileName,
  isRunDirectory,
  listCheckpoints,
  openRunDirectory,
  type RunDirectory,
  type RunDirectoryMode,
  readMetricsFile,
} from './run-directory.js';
