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
export { eloRatings, eloScale } from './elo-ratings.js';
export {
  type BradleyTerryFit,
  type FitBradleyTerryOptions,
  fitBradleyTerry,
  fitBradleyTerryOptionsSchema,
} from './fit-bradley-terry.js';
export {
  type LeaderboardOptions,
  type LeaderboardRow,
  leaderboard,
  leaderboardOptionsSchema,
  percentile,
} from './leaderboard.js';
export { type BattleRow, battleRowSchema, parseBattlesJsonl } from './parse-battles-jsonl.js';
export { sampleBinomial, sampleMultinomial } from './sample-binomial.js';
