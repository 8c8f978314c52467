import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import { linearRampGate, selfPlayTargets, tfidfEncoder } from '@prefplay/preference';
import { z } from 'zod';
import { type Command, exitCodes } from '../command.js';
import { readInputFile } from '../read-input-file.js';
import { parseJsonlRow } from '../read-jsonl-rows.js';
import { writeJsonlOutput } from '../write-jsonl-output.js';

const help = `Usage: prefplay targets --input FILE.jsonl [options]

Turns judged rows {prompt, responses, matrix, embeddings?} (matrix[i][j] = P(response i beats
response j), constant-sum) into SPPO / S-SPPO training rows: chosen = argmax and rejected = argmin of
the win rates p̂_i = mean_j M_ij, with M_wl = P(chosen ≻ rejected), p̂_w and p̂_l. With --method
s-sppo the matrix is first calibrated, M̃ = 1/2 + g(s)(M − 1/2), with s the clipped cosine of the
row's embeddings (or of character-trigram TF-IDF vectors of the responses when a row has none).
Every row is checked before anything is written: a malformed row is reported with its line number
and no output is produced. A byte-order mark at the start of the input is accepted.

Formats (--format):
  prefplay (default)  one JSONL row per prompt: prompt, chosen, rejected, chosen_probs (= M_wl),
                      chosen_probs_win (= p̂_w), chosen_probs_lose (= p̂_l), similarity, gate
                      (chosen/rejected are strings, or chat messages with --messages)
  uclaml              what the official SPPO trainer (github.com/uclaml/SPPO, sppo/run_sppo.py)
                      reads: a folder (--output DIR) with train.jsonl and test.jsonl, only the
                      columns chosen, rejected (each [{content: prompt, role: user}, {content:
                      response, role: assistant}]), chosen_probs, chosen_probs_win,
                      chosen_probs_lose. Name the folder in the recipe's dataset_mixer
                      (DIR: 1.0), as its scripts/update_dataset.py does. Like its
                      scripts/compute_prob.py, test holds --test-rows rows sampled from train
                      (the trainer reads only train).
  trl                 TRL's preference format (DPOTrainer and friends): prompt, chosen, rejected as
                      strings (standard), or with --messages as conversational
                      ({prompt: [{role: user, ...}], chosen: [{role: assistant, ...}], ...})

Options:
  --input FILE        JSONL input (required)
  --output PATH       write here (atomically) instead of stdout; a folder for --format uclaml
  --format NAME       prefplay (default), uclaml or trl
  --method NAME       sppo (default) or s-sppo
  --gate-low S        similarity at which the gate starts closing (default 0.5)
  --gate-high S       similarity at which the gate is shut (default 0.95)
  --exclude-self      win rates over the K−1 other responses (default: include M_ii = 1/2)
  --messages          chosen/rejected as chat messages (prefplay, trl)
  --test-rows N       rows of the uclaml test split (default 500, as the official script; at most
                      the number of rows)
  --seed S            seed of the test-split sample (default 0)
`;

const inputRowSchema = z
  .object({
    prompt: z.string(),
    responses: z.array(z.string()).min(2, 'needs at least two responses'),
    matrix: z.array(z.array(z.number().min(0).max(1))),
    embeddings: z.array(z.array(z.number().finite()).min(1)).optional(),
  })
  .superRefine((row, ctx) => {
    const k = row.responses.length;
    if (row.matrix.length !== k || row.matrix.some((r) => r.length !== k)) {
      ctx.addIssue({
        code: 'custom',
        message: `matrix must be ${k}×${k} (one row and column per response)`,
        path: ['matrix'],
      });
    }
    if (row.embeddings !== undefined) {
      const d = row.embeddings[0]?.length;
      if (row.embeddings.length !== k || row.embeddings.some((e) => e.length !== d)) {
        ctx.addIssue({
          code: 'custom',
          message: `embeddings must be ${k} vectors of one length`,
          path: ['embeddings'],
        });
      }
    }
  });

/** What a line of the input is, for the hints of its errors. */
const shape = '{prompt, responses, matrix, embeddings?}';

const optionsSchema = z
  .object({
    format: z.enum(['prefplay', 'uclaml', 'trl']).default('prefplay'),
    method: z.enum(['sppo', 's-sppo']).default('sppo'),
    testRows: z.number().int().min(0).max(1_000_000_000).default(500),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    gateLow: z.number().min(0).max(1).default(0.5),
    gateHigh: z.number().min(0).max(1).default(0.95),
  })
  .refine((o) => o.gateLow < o.gateHigh, { message: '--gate-low must be below --gate-high', path: ['gateHigh'] });

function normalise(v: readonly number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** `count` distinct row indices drawn uniformly from `[0, total)` (partial Fisher-Yates), ascending. */
function sampleRows(total: number, count: number, seed: number): number[] {
  const rng = createRng(seed);
  const order = Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(total - i);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order.slice(0, count).sort((a, b) => a - b);
}

export const targetsCommand: Command = {
  name: 'targets',
  summary: 'turn judged K×K matrices into SPPO / S-SPPO training rows (JSONL)',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        input: { type: 'string' },
        output: { type: 'string' },
        method: { type: 'string' },
        'gate-low': { type: 'string' },
        'gate-high': { type: 'string' },
        'exclude-self': { type: 'boolean', default: false },
        messages: { type: 'boolean', default: false },
        format: { type: 'string' },
        'test-rows': { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.input === undefined) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: 'targets needs --input FILE.jsonl',
        where: { field: '--input' },
      });
    }
    const options = parseOptions(
      optionsSchema,
      {
        ...(values.format !== undefined ? { format: values.format } : {}),
        ...(values['test-rows'] !== undefined ? { testRows: Number(values['test-rows']) } : {}),
        ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
        ...(values.method !== undefined ? { method: values.method } : {}),
        ...(values['gate-low'] !== undefined ? { gateLow: Number(values['gate-low']) } : {}),
        ...(values['gate-high'] !== undefined ? { gateHigh: Number(values['gate-high']) } : {}),
      },
      { what: 'targets options' },
    );
    if (options.format === 'uclaml' && values.output === undefined) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: '--format uclaml writes a folder with train.jsonl and test.jsonl, so it needs --output DIR',
        where: { field: '--output' },
        hint: 'Pass e.g. --output synthetic_data_mymodel-sppo-iter1_score and name that folder in dataset_mixer',
      });
    }
    const file = values.input;
    const text = await readInputFile(file, io.cwd, '--input');
    const gate =
      options.method === 's-sppo' ? linearRampGate({ low: options.gateLow, high: options.gateHigh }) : undefined;
    const encoder = tfidfEncoder({ n: 3 });
    const out: string[] = [];
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] as string;
      if (line.trim() === '') continue;
      const lineNumber = index + 1;
      const row = parseJsonlRow(line, inputRowSchema, { file, line: lineNumber, shape }).value;
      const zero = row.embeddings?.findIndex((e) => e.every((x) => x === 0)) ?? -1;
      if (zero >= 0) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `invalid row: embeddings[${zero}] is all zeros, so its similarity to every other response would be 0 and its gate 1`,
          where: { file, line: lineNumber, field: `embeddings[${zero}]` },
          hint: 'Give every response a non-zero embedding, or leave out "embeddings" to use TF-IDF vectors of the responses',
        });
      }
      const responses = row.responses.map((r) => ({ tokens: [], text: r }));
      const embeddings =
        row.embeddings !== undefined
          ? row.embeddings.map(normalise)
          : gate !== undefined
            ? await encoder.doEncode({ responses })
            : undefined;
      let targets: ReturnType<typeof selfPlayTargets>;
      try {
        targets = selfPlayTargets({
          matrix: row.matrix,
          ...(embeddings ? { embeddings } : {}),
          ...(gate ? { gate } : {}),
          includeSelf: values['exclude-self'] !== true,
          where: `${file}:${lineNumber}`,
        });
      } catch (error) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `invalid row: ${(error as Error).message}`,
          where: { file, line: lineNumber, field: 'matrix' },
          hint: 'The matrix must be constant-sum: M[i][j] + M[j][i] = 1 and M[i][i] = 1/2',
          cause: error,
        });
      }
      const chosen = row.responses[targets.chosen] as string;
      const rejected = row.responses[targets.rejected] as string;
      const s = targets.similarity?.[targets.chosen]?.[targets.rejected];
      const probabilities = {
        chosen_probs: targets.pairPreference,
        chosen_probs_win: targets.chosenWinRate,
        chosen_probs_lose: targets.rejectedWinRate,
      };
      // The official SPPO code writes messages as {content, role}, prompt turn included.
      const exchange = (response: string) => [
        { content: row.prompt, role: 'user' },
        { content: response, role: 'assistant' },
      ];
      if (options.format === 'uclaml') {
        out.push(JSON.stringify({ chosen: exchange(chosen), rejected: exchange(rejected), ...probabilities }));
      } else if (options.format === 'trl') {
        out.push(
          JSON.stringify(
            values.messages
              ? {
                  prompt: [{ role: 'user', content: row.prompt }],
                  chosen: [{ role: 'assistant', content: chosen }],
                  rejected: [{ role: 'assistant', content: rejected }],
                }
              : { prompt: row.prompt, chosen, rejected },
          ),
        );
      } else {
        out.push(
          JSON.stringify({
            prompt: row.prompt,
            chosen: values.messages ? exchange(chosen) : chosen,
            rejected: values.messages ? exchange(rejected) : rejected,
            ...probabilities,
            similarity: s ?? null,
            gate: gate && s !== undefined ? gate.apply(s) : null,
          }),
        );
      }
    }
    if (options.format === 'uclaml') {
      const folder = resolve(io.cwd, values.output as string);
      const testRows = Math.min(options.testRows, out.length);
      const test = sampleRows(out.length, testRows, options.seed).map((i) => out[i] as string);
      await writeFileAtomic(join(folder, 'train.jsonl'), out.map((l) => `${l}\n`).join(''));
      await writeFileAtomic(join(folder, 'test.jsonl'), test.map((l) => `${l}\n`).join(''));
      io.stderr(
        `wrote ${out.length} rows to ${join(folder, 'train.jsonl')} and ${testRows} of them, sampled with seed ${options.seed}, to ${join(folder, 'test.jsonl')}\n`,
      );
      return exitCodes.ok;
    }
    await writeJsonlOutput(io, values.output, out);
    return exitCodes.ok;
  },
};
