import { parseArgs } from 'node:util';
import { PrefplayError } from '@prefplay/core';
import { assertGameMatrix, assertPolicy, exploitability, vonNeumannWinner } from '@prefplay/evaluators';
import { type CliIo, type Command, exitCodes } from '../command.js';
import { readJsonFile } from '../read-input-file.js';

const help = `Usage: prefplay nash --matrix FILE.json [--policy FILE.json] [--json]

Solves the symmetric constant-sum game of a preference matrix M[i][j] = P(i ≻ j) by linear
programming and prints its von Neumann winner (the maximin mixed policy), the game value (1/2)
and the exploitability max_i (M p)_i − 1/2 of the winner, or of the policy given with --policy.

Options:
  --matrix FILE       JSON: [[0.5, 0.3, ...], ...] or { "matrix": [[...]], "labels": ["a", ...] }
                      (required; must satisfy M + Mᵀ = 1 and diag 1/2 within 1e-6)
  --policy FILE       JSON: [p_1, ..., p_n] or { "policy": [...] }, a mixed policy to evaluate
  --json              print { labels, winner, value, exploitability, winnerExploitability, policy? }
  --help              show this help

Exit codes: 0 ok, 2 bad input (a matrix that is not constant-sum is reported with the cell).
`;

function readMatrix(value: unknown, file: string): { matrix: number[][]; labels: string[] } {
  const object = typeof value === 'object' && value !== null && !Array.isArray(value);
  const matrix = object ? (value as { matrix?: unknown }).matrix : value;
  if (!Array.isArray(matrix)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: object ? 'the object has no "matrix" array' : 'expected an array of rows or { "matrix": [...] }',
      where: { file, field: 'matrix' },
      hint: 'Write the matrix as [[0.5, 0.2], [0.8, 0.5]]',
    });
  }
  assertGameMatrix(matrix as number[][], { file });
  const n = matrix.length;
  const labels = object ? (value as { labels?: unknown }).labels : undefined;
  if (labels === undefined)
    return { matrix: matrix as number[][], labels: Array.from({ length: n }, (_, i) => String(i)) };
  if (!Array.isArray(labels) || labels.length !== n || !labels.every((l) => typeof l === 'string')) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `"labels" must be ${n} strings, one per row`,
      where: { file, field: 'labels' },
    });
  }
  return { matrix: matrix as number[][], labels: labels as string[] };
}

function readPolicy(value: unknown, size: number, file: string): number[] {
  const policy =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { policy?: unknown }).policy
      : value;
  if (!Array.isArray(policy)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'expected an array of probabilities or { "policy": [...] }',
      where: { file, field: 'policy' },
    });
  }
  assertPolicy(policy as number[], size, { file });
  return policy as number[];
}

const fixed = (value: number): string => (Math.abs(value) < 5e-13 ? 0 : value).toFixed(6);

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      matrix: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.matrix === undefined) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: 'missing --matrix',
      where: { field: '--matrix' },
      hint: 'Run prefplay nash --matrix FILE.json',
    });
  }
  const { matrix, labels } = readMatrix(await readJsonFile(values.matrix, io.cwd, '--matrix'), values.matrix);
  const policy =
    values.policy !== undefined
      ? readPolicy(await readJsonFile(values.policy, io.cwd, '--policy'), matrix.length, values.policy)
      : undefined;
  const winner = vonNeumannWinner(matrix);
  const winnerExploitability = exploitability(matrix, winner.policy);
  const policyExploitability = policy !== undefined ? exploitability(matrix, policy, { tolerance: 1e-6 }) : undefined;
  if (values.json) {
    const out = {
      labels,
      winner: winner.policy,
      value: winner.value,
      exploitability: policyExploitability ?? winnerExploitability,
      winnerExploitability,
      ...(policy !== undefined ? { policy } : {}),
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return exitCodes.ok;
  }
  const width = Math.max(8, ...labels.map((l) => l.length));
  const lines = [
    `von Neumann winner of the ${matrix.length}×${matrix.length} preference matrix in ${values.matrix}:`,
    `  ${'strategy'.padEnd(width)}  ${'winner'.padStart(9)}${policy !== undefined ? `  ${'policy'.padStart(9)}` : ''}`,
    ...labels.map(
      (label, i) =>
        `  ${label.padEnd(width)}  ${fixed(winner.policy[i] as number).padStart(9)}${policy !== undefined ? `  ${fixed(policy[i] as number).padStart(9)}` : ''}`,
    ),
    '',
    `game value                   ${fixed(winner.value)}`,
    `exploitability of winner     ${fixed(winnerExploitability)}`,
  ];
  if (policyExploitability !== undefined) {
    lines.push(
      `exploitability of policy     ${fixed(policyExploitability)}  (duality gap ${fixed(2 * policyExploitability)})`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}

/** `prefplay nash`: von Neumann winner, game value and exploitability of a preference matrix. */
export const nashCommand: Command = {
  name: 'nash',
  summary: 'von Neumann winner, value and exploitability of a preference matrix (LP)',
  help,
  run,
};
