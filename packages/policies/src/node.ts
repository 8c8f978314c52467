export { checkpointFileCache, loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
