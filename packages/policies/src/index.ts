export { createCharTokenizer } from './char-tokenizer.js';
export {
  type CheckpointCache,
  type CheckpointContents,
  type CheckpointHeader,
  checkpointFormat,
  checkpointFormatVersion,
  checkpointHeaderSchema,
  checkpointMagic,
  crc32,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadedCheckpoint,
} from './checkpoint.js';
export {
  encodeSafetensors,
  type NamedTensor,
  type SafetensorsLayout,
  safetensorsLayout,
} from './hugging-face/encode-safetensors.js';
export { decodeFloats, encodeFloats, type FloatDtype, floatDtypes } from './hugging-face/float-encoding.js';
export {
  createHuggingFacePolicy,
  type HuggingFacePolicy,
  type HuggingFacePolicyOptions,
  huggingFacePolicyKind,
  huggingFacePolicyOptionsSchema,
  type LoraAdapter,
  loadHuggingFacePolicy,
} from './hugging-face/hugging-face-policy.js';
export {
  type ChatMessage,
  createHuggingFaceTokenizer,
  type HuggingFaceTokenizer,
  type HuggingFaceTokenizerFiles,
  type Prompt,
} from './hugging-face/hugging-face-tokenizer.js';
export {
  defaultLoraTargets,
  type LoraOptions,
  loraOptionsSchema,
  type ResolvedLora,
} from './hugging-face/lora-options.js';
export {
  type ModelArchitecture,
  parseModelArchitecture,
  type SupportedModelType,
  supportedModelTypes,
} from './hugging-face/model-architecture.js';
export { type LinearModule, type ModelLayout, modelLayout, type WeightSpec } from './hugging-face/model-layout.js';
export {
  parseSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  safetensorsHeaderLength,
} from './hugging-face/safetensors-header.js';
export {
  peftAdapterConfig,
  peftKey,
  type StoredTensor,
  storedAdapterTensors,
  storedModelTensors,
} from './hugging-face/stored-tensors.js';
export { safetensorsSource, type WeightInfo, type WeightSource } from './hugging-face/weight-source.js';
export { dense, fastMatMul } from './layers/fast-mat-mul.js';
export { type TokenLogProbsOptions, tokenLogProbs } from './layers/token-log-probs.js';
export { restorablePolicyKinds, restorePolicy } from './restore-policy.js';
export {
  type SupervisedFineTuneOptions,
  type SupervisedFineTuneResult,
  type SupervisedFineTuneStep,
  supervisedFineTune,
  supervisedFineTuneOptionsSchema,
} from './supervised-fine-tune.js';
export {
  createTabularPolicy,
  restoreTabularPolicy,
  type TabularPolicy,
  type TabularPolicyOptions,
  tabularPolicyOptionsSchema,
} from './tabular-policy.js';
export {
  type DecodeOptions,
  type EncodeOptions,
  specialTokens,
  type Tokenizer,
  type TokenizerJSON,
  type TokenizerKind,
  type TokenizerOptions,
  tokenizerFromJSON,
  tokenizerJsonSchema,
  tokenizerOptionsSchema,
} from './tokenizer.js';
export {
  type ResolvedTransformerConfig,
  type TransformerConfig,
  transformerConfigSchema,
} from './transformer-model.js';
export { createTransformerPolicy, restoreTransformerPolicy, type TransformerPolicy } from './transformer-policy.js';
export { createWordTokenizer } from './word-tokenizer.js';
