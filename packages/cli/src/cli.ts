import { readFileSync } from 'node:fs';
import { PrefplayError } from '@prefplay/core';
import { type CliIo, type Command, exitCodes } from './command.js';
import { commands } from './commands/index.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const list = Object.values(commands as Record<string, Command>)
    .map((c) => `  ${c.name.padEnd(12)} ${c.summary}`)
    .join('\n');
  return `prefplay ${version()}: self-play preference optimisation (SPPO, S-SPPO) on TensorFlow.js

Usage: prefplay <command> [options]

Commands:
${list}

Options:
  --help       show help (also: prefplay <command> --help)
  --version    print the version

Exit codes: 0 ok, 1 failure, 2 bad input.
`;
}

/** Runs the `prefplay` command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? exitCodes.badInput : exitCodes.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version()}\n`);
    return exitCodes.ok;
  }
  const command = (commands as Record<string, Command>)[name];
  if (!command) {
    io.stderr(`prefplay: unknown command "${name}". Run prefplay --help for the list of commands.\n`);
    return exitCodes.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help);
    return exitCodes.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (PrefplayError.isInstance(error)) {
      io.stderr(`prefplay ${name}: ${error.message}\n`);
      return error.code === 'backend-unavailable' || error.code === 'http' || error.code === 'numerical'
        ? exitCodes.failure
        : exitCodes.badInput;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`prefplay ${name}: ${error.message}. Run prefplay ${name} --help for its options.\n`);
      return exitCodes.badInput;
    }
    io.stderr(`prefplay ${name}: ${(error as Error)?.stack ?? String(error)}\n`);
    return exitCodes.failure;
  }
}
