export {
  aiSdkJudgePlugin,
  aiSdkJudgePlugin as default,
  type CreatedComponent,
  createdComponents,
  type EncoderComponentOptions,
  encoderComponentOptionsSchema,
  type JudgeComponentOptions,
  judgeComponentOptionsSchema,
} from './ai-sdk-judge-plugin.js';
export { embeddingModelOf, languageModelOf, type ModelChoice, modelChoiceSchema } from './model-choice.js';
export { taskEmbeddingModel } from './task-embedding-model.js';
export { taskJudgeModel } from './task-judge-model.js';
export { taskResponse } from './task-response.js';
