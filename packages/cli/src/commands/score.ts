import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PrefplayError, parseOptions } from '@prefplay/core';
import { describeBackend, initBackend } from '@prefplay/core/node';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { type Command, exitCodes } from '../command.js';
import { encodeRowPrompt, loadModelFolder, promptSchema } from '../load-model-folder.js';
import { readJsonlRows } from '../read-jsonl-rows.js';
import { writeJsonlOutput } from '../write-jsonl-output.js';

const help = `Usage: prefplay score --model DIR --input rows.jsonl [options]

Scores responses under a Hugging Face model folder (GPT-2, Llama, Qwen2, Mistral; safetensors
weights, tokenizer.json): each input row {"prompt", "response"} is written back, in input order,
with "logp" (the sum of the response tokens' log-probabilities given the prompt) and "tokens"
(their count). This is how reference log-probs are precomputed for offline DPO.

A prompt is a string (encoded with the tokenizer's special tokens, e.g. Llama's BOS) or a list of
chat messages [{"role", "content"}] (rendered with the chat template and add_generation_prompt).
The response is encoded on its own without special tokens and appended; EOS is appended when the
row has "eos": true or --add-eos is given (a row's "eos": false wins). Other fields of a row are
kept. Every row is checked before anything is scored; a bad row is reported with its line.

Options:
  --model DIR         Hugging Face model folder, or a PEFT adapter folder whose base is local (required)
  --adapter DIR       PEFT LoRA adapter folder to apply to --model
  --input FILE        JSONL input (required)
  --output FILE       write here (atomically) instead of stdout
  --batch-size N      rows per forward pass (default 8)
  --add-eos           append the tokenizer's EOS to every response
`;

const rowSchema = z.looseObject({
  prompt: promptSchema,
  response: z.string(),
  eos: z.boolean().optional(),
});

const optionsSchema = z.strictObject({
  batchSize: z.number().int().min(1).default(8),
});

export const scoreCommand: Command = {
  name: 'score',
  summary: 'log-probs of responses under a Hugging Face model folder (JSONL in, JSONL out)',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        adapter: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        'batch-size': { type: 'string' },
        'add-eos': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.input === undefined) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: 'score needs --input FILE.jsonl',
        where: { field: '--input' },
      });
    }
    const options = parseOptions(
      optionsSchema,
      values['batch-size'] !== undefined ? { batchSize: Number(values['batch-size']) } : {},
      { what: 'score options' },
    );
    const file = resolve(io.cwd, values.input);
    const rows = await readJsonlRows(values.input, io.cwd, '--input', rowSchema, '{"prompt", "response", "eos"?}');
    const backend = await initBackend();
    io.stderr(`${describeBackend(backend)}\n`);
    const { policy, tokenizer } = await loadModelFolder(io, values.model, values.adapter, 'score');
    try {
      const encoded = rows.map(({ line, value }) => {
        const prompt = encodeRowPrompt(tokenizer, value.prompt, file, line);
        const response = tokenizer.encodeResponse(value.response, { addEos: value.eos ?? values['add-eos'] === true });
        if (prompt.length === 0) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: 'the prompt encodes to no tokens, so the first response token has nothing to be conditioned on',
            where: { file, line, field: 'prompt' },
            hint: 'Give the prompt some text (this tokenizer adds no BOS)',
          });
        }
        if (prompt.length + response.length > policy.maxSequenceLength) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `prompt (${prompt.length} tokens) + response (${response.length} tokens) = ${prompt.length + response.length} tokens, longer than the model's context of ${policy.maxSequenceLength} tokens`,
            where: { file, line, field: 'response' },
            hint: 'Shorten the prompt or the response',
          });
        }
        return { prompt, response };
      });
      const out: string[] = [];
      for (let start = 0; start < encoded.length; start += options.batchSize) {
        const chunk = encoded.slice(start, start + options.batchSize);
        const logps = tf.tidy(() =>
          Array.from(
            policy
              .doForward({ prompts: chunk.map((r) => r.prompt), responses: chunk.map((r) => r.response) })
              .logps.dataSync(),
          ),
        );
        chunk.forEach((row, i) => {
          const logp = logps[i] as number;
          if (!Number.isFinite(logp)) {
            throw new PrefplayError({
              code: 'numerical',
              problem: `the log-prob of the row is ${logp}`,
              where: { file, line: rows[start + i]?.line as number },
              hint: 'The model produced non-finite values; check its weights',
            });
          }
          out.push(JSON.stringify({ ...rows[start + i]?.raw, logp, tokens: row.response.length }));
        });
      }
      await writeJsonlOutput(io, values.output, out);
      return exitCodes.ok;
    } finally {
      policy.dispose();
    }
  },
};
