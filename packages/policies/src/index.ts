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
export { dense, fastMatMul } from './layers/fast-mat-mul.js';
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
