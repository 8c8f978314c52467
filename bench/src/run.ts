import { parseArgs } from 'node:util';
import { initBackend } from '@prefplay/core/node';
import { benchCases } from './cases/index.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const backend = await initBackend();
log(`tfjs backend: ${backend.backend}`);
const selected = values.only?.length ? benchCases.filter((c) => values.only?.includes(c.name)) : benchCases;
const results: Record<string, number | string | null> = { backend: backend.backend };
for (const benchCase of selected) {
  log(`\n# ${benchCase.name}: ${benchCase.description}`);
  const out = await benchCase.run({ log });
  Object.assign(results, out);
  if (!values.json) for (const [k, v] of Object.entries(out)) log(`  ${k.padEnd(32)} ${v}`);
}
if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
