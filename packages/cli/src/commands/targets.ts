import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issuePath, PrefplayError, parseOptions } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import { linearRampGate, selfPlayTargets, tfidfEncoder } from '@prefplay/preference';
import { z } from 'zod';
import { type Command, exitCodes } from '../command.js';

const help = `Usage: prefplay targets --input FILE.jsonl [options]

Turns judged rows {prompt, responses, matrix, embeddings?} (matrix[i][j] = P(response i beats
response j), constant-sum) into SPPO / S-SPPO training rows with the columns of the official SPPO
code: prompt, chosen, rejected, chosen_probs (= M_wl), chosen_probs_win (= p̂_w),
chosen_probs_lose (= p̂_l), plus similarity (s of chosen and rejected) and gate (g(s)).
With --method s-sppo the matrix is first calibrated, M̃ = 1/2 + g(s)(M − 1/2), with s the clipped
cosine of the row's embeddings (or of character-trigram TF-IDF vectors of the responses when a
row has none). Every row is checked before anything is written: a malformed row is reported with
its line number and no output is produced.

Options:
  --input FILE        JSONL input (required)
  --output FILE       write here (atomically) instead of stdout
  --method NAME       sppo (default) or s-sppo
  --gate-low S        similarity at which the gate starts closing (default 0.5)
  --gate-high S       similarity at which the gate is shut (default 0.95)
  --exclude-self      win rates over the K−1 other responses (default: include M_ii = 1/2)
  --messages          chosen/rejected as chat messages [{role: user, ...}, {role: assistant, ...}]
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

const optionsSchema = z
  .object({
    method: z.enum(['sppo', 's-sppo']).default('sppo'),
    gateLow: z.number().min(0).max(1).default(0.5),
    gateHigh: z.number().min(0).max(1).default(0.95),
  })
  .refine((o) => o.gateLow < o.gateHigh, { message: '--gate-low must be below --gate-high', path: ['gateHigh'] });

function normalise(v: readonly number[]): number[] {
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : v.slice();
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
        ...(values.method !== undefined ? { method: values.method } : {}),
        ...(values['gate-low'] !== undefined ? { gateLow: Number(values['gate-low']) } : {}),
        ...(values['gate-high'] !== undefined ? { gateHigh: Number(values['gate-high']) } : {}),
      },
      { what: 'targets options' },
    );
    const file = resolve(io.cwd, values.input);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: 'cannot read the input file',
        where: { file },
        cause: error,
      });
    }
    const gate =
      options.method === 's-sppo' ? linearRampGate({ low: options.gateLow, high: options.gateHigh }) : undefined;
    const encoder = tfidfEncoder({ n: 3 });
    const out: string[] = [];
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] as string;
      if (line.trim() === '') continue;
      const lineNumber = index + 1;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (error) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `the row is not valid JSON (${(error as Error).message})`,
          where: { file, line: lineNumber },
          hint: 'Each line must be one JSON object {prompt, responses, matrix, embeddings?}',
        });
      }
      const parsed = inputRowSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0] as z.core.$ZodIssue;
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `invalid row: ${parsed.error.issues.map((i) => `"${issuePath(i.path)}": ${i.message}`).join('; ')}`,
          where: { file, line: lineNumber, field: issuePath(issue.path) },
          hint: 'Each line must be one JSON object {prompt, responses, matrix, embeddings?}',
        });
      }
      const row = parsed.data;
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
      const asMessages = (response: string) => [
        { content: row.prompt, role: 'user' },
        { content: response, role: 'assistant' },
      ];
      out.push(
        JSON.stringify({
          prompt: row.prompt,
          chosen: values.messages ? asMessages(chosen) : chosen,
          rejected: values.messages ? asMessages(rejected) : rejected,
          chosen_probs: targets.pairPreference,
          chosen_probs_win: targets.chosenWinRate,
          chosen_probs_lose: targets.rejectedWinRate,
          similarity: s ?? null,
          gate: gate && s !== undefined ? gate.apply(s) : null,
        }),
      );
    }
    const body = out.map((l) => `${l}\n`).join('');
    if (values.output !== undefined) {
      const path = resolve(io.cwd, values.output);
      await writeFileAtomic(path, body);
      io.stderr(`wrote ${out.length} rows to ${path}\n`);
    } else {
      io.stdout(body);
    }
    return exitCodes.ok;
  },
};
