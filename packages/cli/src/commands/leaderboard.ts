import { parseArgs } from 'node:util';
import { PrefplayError, parseOptions } from '@prefplay/core';
import { leaderboardDetailed, readBattles } from '@prefplay/preference';
import { z } from 'zod';
import { type CliIo, type Command, exitCodes } from '../command.js';
import { readInputChunks } from '../read-input-file.js';

const help = `Usage: prefplay leaderboard --battles FILE [options]

Fits a Bradley-Terry model to pairwise battles and prints the models ranked by Elo-scale rating
with bootstrap 95% intervals. FILE holds Chatbot-Arena rows {"model_a", "model_b", "winner":
"model_a"|"model_b"|"tie"|"tie (bothbad)", ...} as JSON Lines or as one JSON array (FastChat's
clean_battle_*.json); it is read row by row, never as one string. A model's rank is 1 + the number
of models whose interval lies entirely above its own.

Options:
  --battles FILE      battles, JSONL or a JSON array (required)
  --anony-only        keep only rows with "anony": true (FastChat's leaderboard always does;
                      default here: off, as files from other tools lack the field)
  --exclude-ties      drop "tie" and "tie (bothbad)" rows (FastChat's --exclude-tie; default off)
  --langs L1,L2       keep only rows whose "language" is listed (FastChat's --langs; default all)
  --exclude-models M1,M2
                      drop rows in which a listed model plays (FastChat's --exclude-models;
                      default none). --langs and --exclude-models also take repeated flags.
  --bootstrap N       bootstrap rounds for the intervals (default 100, as FastChat; 0 = none)
  --seed S            seed of the bootstrap (default 0)
  --ties half|davidson
                      a tie counts as half a win each (default, as FastChat), or the Davidson tie model
  --ridge R           L2 penalty on the log-strengths (default 0); use e.g. 0.01 when a model
                      never wins or never loses
  --anchor MODEL=RATING
                      shift ratings so MODEL has RATING (default: mean rating 1000)
  --json              print [{ "model", "rating", "variance", "ratingQ025", "ratingQ975", "rank",
                      "numBattles" }] (FastChat's rating, variance, rating_q025, rating_q975,
                      final_ranking, num_battles) instead of a table
  --help              show this help

Filters apply in FastChat's order: languages, excluded models, anonymity, ties.
On sparse data a bootstrap resample can leave a model without a win or a loss, so that its
maximum-likelihood estimate does not exist. Such rounds are left out and counted (on stderr, and
in the table's footer); the intervals come from the other rounds. With --ridge > 0 none is left out.

Exit codes: 0 ok, 1 no estimate (e.g. a model never lost; try --ridge), 2 bad input (a malformed
row is reported as FILE:LINE).
`;

const flagsSchema = z.object({
  '--bootstrap': z.coerce.number().int().min(0).max(100_000),
  '--seed': z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  '--ties': z.enum(['half', 'davidson']),
  '--ridge': z.coerce.number().min(0).max(1e6),
});

function parseAnchor(text: string): { model: string; rating: number } {
  const at = text.lastIndexOf('=');
  const model = at > 0 ? text.slice(0, at) : '';
  const rating = at > 0 ? Number(text.slice(at + 1)) : Number.NaN;
  if (model.length === 0 || text.slice(at + 1).trim() === '' || !Number.isFinite(rating)) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `--anchor must be MODEL=RATING, got "${text}"`,
      where: { field: '--anchor' },
      hint: 'For example --anchor gpt-4=1200',
    });
  }
  return { model, rating };
}

/** `--langs a,b --langs c` → `['a', 'b', 'c']`. */
function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function describeDropped(dropped: {
  readonly language: number;
  readonly excludedModel: number;
  readonly notAnonymous: number;
  readonly tie: number;
}): string {
  const parts = [
    [dropped.language, 'in other languages'],
    [dropped.excludedModel, 'with an excluded model'],
    [dropped.notAnonymous, 'not anonymous'],
    [dropped.tie, 'ties'],
  ] as const;
  return (
    parts
      .filter(([count]) => count > 0)
      .map(([count, what]) => `${count} ${what}`)
      .join(', ') || 'none dropped'
  );
}

function format(value: number): string {
  return value.toFixed(1);
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      battles: { type: 'string' },
      bootstrap: { type: 'string', default: '100' },
      seed: { type: 'string', default: '0' },
      ties: { type: 'string', default: 'half' },
      ridge: { type: 'string', default: '0' },
      anchor: { type: 'string' },
      json: { type: 'boolean', default: false },
      'anony-only': { type: 'boolean', default: false },
      'exclude-ties': { type: 'boolean', default: false },
      langs: { type: 'string', multiple: true },
      'exclude-models': { type: 'string', multiple: true },
    },
  });
  if (values.battles === undefined) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: 'missing --battles',
      where: { field: '--battles' },
      hint: 'Run prefplay leaderboard --battles FILE',
    });
  }
  const parsed = parseOptions(
    flagsSchema,
    { '--bootstrap': values.bootstrap, '--seed': values.seed, '--ties': values.ties, '--ridge': values.ridge },
    { what: 'leaderboard flags' },
  );
  const flags = {
    bootstrap: parsed['--bootstrap'],
    seed: parsed['--seed'],
    ties: parsed['--ties'],
    ridge: parsed['--ridge'],
  };
  const anchor = values.anchor !== undefined ? parseAnchor(values.anchor) : undefined;
  const filters = {
    anonyOnly: values['anony-only'],
    excludeTies: values['exclude-ties'],
    langs: splitList(values.langs),
    excludeModels: splitList(values['exclude-models']),
  };
  const read = await readBattles(readInputChunks(values.battles, io.cwd, '--battles'), {
    ...filters,
    file: values.battles,
  });
  const { battles } = read;
  const droppedText = describeDropped(read.dropped);
  if (battles.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem:
        read.rows === 0
          ? 'the file holds no battles'
          : `no battles are left after filtering the ${read.rows} rows (${droppedText})`,
      where: { file: values.battles },
      hint:
        read.rows === 0
          ? 'Give JSONL rows or a JSON array of objects {"model_a", "model_b", "winner"}'
          : 'Loosen --langs, --exclude-models, --anony-only or --exclude-ties',
    });
  }
  if (anchor !== undefined && !battles.some((b) => b.modelA === anchor.model || b.modelB === anchor.model)) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `the anchor model "${anchor.model}" never appears in the battles${read.battles.length < read.rows ? ' kept by the filters' : ''}`,
      where: { field: '--anchor' },
      hint: 'Name a model from the battles file',
    });
  }
  const { rows, bootstrap } = leaderboardDetailed(battles, {
    bootstrap: flags.bootstrap,
    seed: flags.seed,
    ties: flags.ties,
    ridge: flags.ridge,
    ...(anchor !== undefined ? { anchor } : {}),
  });
  const skipped = bootstrap.skippedRounds.length;
  const skippedText =
    skipped > 0
      ? `${skipped} of ${bootstrap.rounds} bootstrap rounds left out: in them a model never won or never lost, so the maximum-likelihood estimate does not exist; the intervals come from the other ${bootstrap.kept} (pass --ridge 0.01 to keep every round)`
      : undefined;
  if (values.json) {
    const out = rows.map(({ model, rating, variance, ratingQ025, ratingQ975, rank, numBattles }) => ({
      model,
      rating,
      variance,
      ratingQ025,
      ratingQ975,
      rank,
      numBattles,
    }));
    if (skippedText !== undefined) io.stderr(`prefplay leaderboard: ${skippedText}\n`);
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return exitCodes.ok;
  }
  const width = Math.max(5, ...rows.map((r) => r.model.length));
  const lines = [
    `${'rank'.padStart(4)}  ${'model'.padEnd(width)}  ${'rating'.padStart(8)}  ${'95% CI'.padEnd(20)}  battles`,
    ...rows.map(
      (r) =>
        `${String(r.rank).padStart(4)}  ${r.model.padEnd(width)}  ${format(r.rating).padStart(8)}  ${`[${format(r.ratingQ025)}, ${format(r.ratingQ975)}]`.padEnd(20)}  ${r.numBattles}`,
    ),
  ];
  const kept =
    battles.length < read.rows
      ? `${battles.length} of ${read.rows} battles kept (${droppedText})`
      : `${battles.length} battles`;
  const footer = [
    `${kept}, ${rows.length} models, ties: ${flags.ties}, ridge: ${flags.ridge}, bootstrap rounds: ${flags.bootstrap}${anchor ? `, anchor ${anchor.model} = ${anchor.rating}` : ', mean rating 1000'}`,
    ...(skippedText !== undefined ? [skippedText] : []),
  ];
  io.stdout(`${lines.join('\n')}\n\n${footer.join('\n')}\n`);
  return exitCodes.ok;
}

/** `prefplay leaderboard`: Bradley-Terry ratings with bootstrap intervals from arena battles. */
export const leaderboardCommand: Command = {
  name: 'leaderboard',
  summary: 'Bradley-Terry (Elo-scale) leaderboard with bootstrap intervals from arena battles (JSONL or JSON)',
  help,
  run,
};
