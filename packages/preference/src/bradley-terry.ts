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
export { eloRatings, eloScale } from './elo-ratings.js';
export {
  type BattleData,
  type BradleyTerryFit,
  type FitBradleyTerryOptions,
  fitBradleyTerry,
  fitBradleyTerryOptionsSchema,
} from './fit-bradley-terry.js';
export {
  type LeaderboardDetailed,
  type LeaderboardOptions,
  type LeaderboardRow,
  leaderboard,
  leaderboardDetailed,
  leaderboardOptionsSchema,
  percentile,
} from './leaderboard.js';
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
export { sampleBinomial, sampleMultinomial } from './sample-binomial.js';
