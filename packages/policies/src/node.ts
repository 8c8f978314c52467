export { checkpointFileCache, loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
export {
  adapterConfigFileName,
  adapterWeightsFileName,
  type LoadedHuggingFaceModel,
  type LoadHuggingFaceModelOptions,
  loadHuggingFaceModel,
} from './node/load-hugging-face-model.js';
export { openModelWeights, weightsFileName, weightsIndexFileName } from './node/open-model-weights.js';
export { openSafetensorsFile } from './node/open-safetensors-file.js';
export {
  copiedModelFiles,
  type SaveHuggingFaceFolderOptions,
  saveHuggingFaceFolder,
} from './node/save-hugging-face-folder.js';
export { writeSafetensorsFile } from './node/write-safetensors-file.js';
