import { parseArgs } from 'node:util';
import { PrefplayError, parseOptions } from '@prefplay/core';
import { leaderboard, parseBattlesJsonl } from '@prefplay/preference';
import { z } from 'zod';
import { type CliIo, type Command, exitCodes } from '../command.js';
import { readInputFile } from '../read-input-file.js';

const help = `Usage: prefplay leaderboard --battles FILE.jsonl [options]

Fits a Bradley-Terry model to pairwise battles (Chatbot-Arena JSONL rows
{"model_a", "model_b", "winner": "model_a"|"model_b"|"tie"|"tie (bothbad)"}) and prints the
models ranked by Elo-scale rating with bootstrap 95% intervals. A model's rank is 1 + the number
of models whose interval lies entirely above its own.

Options:
  --battles FILE      battles, one JSON object per line (required)
  --bootstrap N       bootstrap rounds for the intervals (default 100; 0 = no intervals)
  --seed S            seed of the bootstrap (default 0)
  --ties half|davidson
                      a tie counts as half a win each (default), or the Davidson tie model
  --ridge R           L2 penalty on the log-strengths (default 0); use e.g. 0.01 when a model
                      never wins or never loses, or a bootstrap resample may leave it so
  --anchor MODEL=RATING
                      shift ratings so MODEL has RATING (default: mean rating 1000)
  --json              print [{ "model", "rating", "ciLow", "ciHigh", "rank" }] instead of a table
  --help              show this help

Exit codes: 0 ok, 2 bad input (a malformed row is reported as FILE:LINE).
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
    },
  });
  if (values.battles === undefined) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: 'missing --battles',
      where: { field: '--battles' },
      hint: 'Run prefplay leaderboard --battles FILE.jsonl',
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
  const text = await readInputFile(values.battles, io.cwd, '--battles');
  const battles = parseBattlesJsonl(text, { file: values.battles });
  if (battles.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'the file holds no battles',
      where: { file: values.battles },
      hint: 'Give at least one JSONL row {"model_a", "model_b", "winner"}',
    });
  }
  if (anchor !== undefined && !battles.some((b) => b.modelA === anchor.model || b.modelB === anchor.model)) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `the anchor model "${anchor.model}" never appears in the battles`,
      where: { field: '--anchor' },
      hint: 'Name a model from the battles file',
    });
  }
  const rows = leaderboard(battles, {
    bootstrap: flags.bootstrap,
    seed: flags.seed,
    ties: flags.ties,
    ridge: flags.ridge,
    ...(anchor !== undefined ? { anchor } : {}),
  });
  if (values.json) {
    const out = rows.map(({ model, rating, ciLow, ciHigh, rank }) => ({ model, rating, ciLow, ciHigh, rank }));
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return exitCodes.ok;
  }
  const width = Math.max(5, ...rows.map((r) => r.model.length));
  const lines = [
    `${'rank'.padStart(4)}  ${'model'.padEnd(width)}  ${'rating'.padStart(8)}  ${'95% CI'.padEnd(20)}  battles`,
    ...rows.map(
      (r) =>
        `${String(r.rank).padStart(4)}  ${r.model.padEnd(width)}  ${format(r.rating).padStart(8)}  ${`[${format(r.ciLow)}, ${format(r.ciHigh)}]`.padEnd(20)}  ${r.battles}`,
    ),
  ];
  io.stdout(
    `${lines.join('\n')}\n\n${battles.length} battles, ${rows.length} models, ties: ${flags.ties}, ridge: ${flags.ridge}, bootstrap rounds: ${flags.bootstrap}${anchor ? `, anchor ${anchor.model} = ${anchor.rating}` : ', mean rating 1000'}\n`,
  );
  return exitCodes.ok;
}

/** `prefplay leaderboard`: Bradley-Terry ratings with bootstrap intervals from battles JSONL. */
export const leaderboardCommand: Command = {
  name: 'leaderboard',
  summary: 'Bradley-Terry (Elo-scale) leaderboard with bootstrap intervals from battles JSONL',
  help,
  run,
};
