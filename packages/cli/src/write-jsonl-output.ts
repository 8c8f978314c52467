import { resolve } from 'node:path';
import { writeFileAtomic } from '@prefplay/core/node';
import type { CliIo } from './command.js';

/**
 * Writes a command's JSONL rows, one per line: atomically to `output` (resolved from `io.cwd`,
 * noting the count and path on stderr) when the command was given `--output`, else to stdout.
 */
export async function writeJsonlOutput(io: CliIo, output: string | undefined, rows: readonly string[]): Promise<void> {
  const body = rows.map((row) => `${row}\n`).join('');
  if (output === undefined) {
    io.stdout(body);
    return;
  }
  const path = resolve(io.cwd, output);
  await writeFileAtomic(path, body);
  io.stderr(`wrote ${rows.length} rows to ${path}\n`);
}
