export { aggregateBattleTable, type BattleTable, isBattleTable } from './aggregate-battle-table.js';
export {
  aggregateBattles,
  type Battle,
  type BattleCounts,
  type BattleWinner,
  battleWinners,
  isBattleCounts,
} from './aggregate-battles.js';
export {
  type BootstrapBradleyTerryOptions,
  type BradleyTerryBootstrap,
  bootstrapBradleyTerry,
  bootstrapBradleyTerryOptionsSchema,
} from './bootstrap-bradley-terry.js';
export {
  type Calibration,
  calibrate,
  calibrateDetailed,
  calibrateWithEncoder,
} from './calibrate.js';
export { assertConstantSum, isConstantSum } from './constant-sum.js';
export { eloRatings, eloScale } from './elo-ratings.js';
export {
  type BattleData,
  type BradleyTerryFit,
  type FitBradleyTerryOptions,
  fitBradleyTerry,
  fitBradleyTerryOptionsSchema,
} from './fit-bradley-terry.js';
export {
  customGate,
  type Gate,
  type LinearRampGateOptions,
  linearRampGate,
  linearRampGateOptionsSchema,
  oneMinusGate,
} from './gate.js';
export { type GatedOracle, gatedOracle } from './gated-oracle.js';
export {
  createGeneralPreferenceModel,
  type GeneralPreferenceModel,
  type GeneralPreferenceModelOptions,
  generalPreferenceModelOptionsSchema,
  trainGeneralPreferenceModel,
} from './general-preference-model.js';
export {
  type LeaderboardDetailed,
  type LeaderboardOptions,
  type LeaderboardRow,
  leaderboard,
  leaderboardDetailed,
  leaderboardOptionsSchema,
  percentile,
} from './leaderboard.js';
export { policyHiddenEncoder } from './policy-hidden-encoder.js';
export {
  type Annotator,
  type PopulationOracleOptions,
  populationOracle,
  populationOracleOptionsSchema,
} from './population-oracle.js';
export {
  type BattleReader,
  type BattleReadResult,
  type BattleRow,
  battleRowSchema,
  createBattleReader,
  parseBattles,
  type ReadBattlesOptions,
  readBattles,
  readBattlesOptionsSchema,
} from './read-battles.js';
export {
  createRewardModel,
  type RewardModel,
  type RewardModelOptions,
  rewardModelOptionsSchema,
  trainRewardModel,
} from './reward-model.js';
export { sampleBinomial, sampleMultinomial } from './sample-binomial.js';
export {
  type SelfPlayTargets,
  type SelfPlayTargetsInput,
  selfPlayTargets,
  upperTriangle,
} from './self-play-targets.js';
export { similarityMatrix } from './similarity-matrix.js';
export { symmetrize } from './symmetrize.js';
export { type TabularOracleOptions, tabularOracle } from './tabular-oracle.js';
export { characterNgrams, type TfidfEncoderOptions, tfidfEncoder, tfidfEncoderOptionsSchema } from './tfidf-encoder.js';
export {
  type Featurizer,
  type PreferencePairV1,
  pairwiseLogisticLoss,
  type TrainPairwiseOptions,
  trainPairwiseOptionsSchema,
} from './train-pairwise.js';
export { type WinRateTargets, type WinRateTargetsOptions, winRateTargets } from './win-rate-targets.js';
