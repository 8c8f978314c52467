export { checkpointFileCache, loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
export {
  adapterConfigFileName,
  adapterWeightsFileName,
  type LoadedHuggingFaceModel,
  type LoadHuggingFaceModelOptions,
  loadHuggingFaceModel,
  peftKey,
} from './node/load-hugging-face-model.js';
export { openModelWeights, weightsFileName, weightsIndexFileName } from './node/open-model-weights.js';
export { openSafetensorsFile } from './node/open-safetensors-file.js';
