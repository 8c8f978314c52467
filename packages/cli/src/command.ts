/** Where a command reads and writes; replaced in tests. */
export type CliIo = {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Whether stderr is a terminal (progress bars are shown only then). */
  readonly isTTY: boolean;
};

/** One `prefplay <name>` sub-command. */
export type Command = {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help text, shown by `prefplay <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
};

/** Exit codes of the `prefplay` command. */
export const exitCodes = { ok: 0, failure: 1, badInput: 2 } as const;
