import { parseArgs } from 'node:util';
import { initBackend } from '@prefplay/core/node';
import { benchCases } from './cases/index.js';

const usage = `pnpm bench [--json] [--quick] [--rounds N] [--only CASE[:SUB,SUB…]]…
  --json     print one JSON object with every result on stdout (progress goes to stderr; run it as
             \`pnpm -s bench --json\` so that pnpm's own banner stays off stdout)
  --quick    2 rounds and fewer repetitions, for development (not for the README)
  --rounds   interleaved rounds per case (default 5)
  --only     run only these cases, e.g. --only transformer:train-t64,sample-b16 --only bradley-terry
  --profile  instead of the cases, print where one train step's time goes (T 64 and 256)`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const rounds = values.rounds === undefined ? (values.quick ? 2 : 5) : Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  log(`--rounds must be a positive integer, got ${values.rounds}\n${usage}`);
  process.exit(2);
}
const filters = new Map<string, string[]>();
for (const entry of values.only ?? []) {
  const [name, subs] = entry.split(':', 2) as [string, string | undefined];
  const list = filters.get(name) ?? [];
  if (subs) list.push(...subs.split(',').filter(Boolean));
  filters.set(name, list);
}
const unknown = [...filters.keys()].filter((name) => !benchCases.some((c) => c.name === name));
if (unknown.length > 0) {
  log(`unknown case(s) ${unknown.join(', ')}; cases are ${benchCases.map((c) => c.name).join(', ')}`);
  process.exit(2);
}
const backend = await initBackend();
log(`tfjs backend: ${backend.backend}; ${rounds} interleaved round(s) per case${values.quick ? ' (quick)' : ''}`);
if (values.profile) {
  const { profileTrainStep } = await import('./profile-train-step.js');
  for (const length of [64, 256]) await profileTrainStep(length, log);
  process.exit(0);
}
const selected = filters.size > 0 ? benchCases.filter((c) => filters.has(c.name)) : benchCases;
const results: Record<string, number | string | null> = { backend: backend.backend, rounds };
for (const benchCase of selected) {
  log(`\n# ${benchCase.name}: ${benchCase.description}`);
  const subcases = filters.get(benchCase.name) ?? [];
  const out = await benchCase.run({ log, rounds, quick: values.quick, subcases });
  Object.assign(results, out);
  if (!values.json) {
    for (const [k, v] of Object.entries(out)) if (!/M(in|ax)$/.test(k)) log(`  ${k.padEnd(40)} ${v}`);
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
