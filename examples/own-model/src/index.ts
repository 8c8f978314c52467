export { makeTinyModel, tinyTokenizerJson } from './make-tiny-model.js';
export { type OwnModelRun, runOwnModel } from './run-own-model.js';
export { letterShare, startToyJudgeServer } from './toy-judge-server.js';
