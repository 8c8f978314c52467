import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PrefplayError, type PromptV1, parseOptions } from '@prefplay/core';
import { describeBackend, initBackend } from '@prefplay/core/node';
import { createTokenSampler, sampleStreamLabel, tokenSamplerOptionsSchema } from '@prefplay/samplers';
import { z } from 'zod';
import { type Command, exitCodes } from '../command.js';
import { encodeRowPrompt, loadModelFolder, promptSchema } from '../load-model-folder.js';
import { readJsonlRows } from '../read-jsonl-rows.js';
import { writeJsonlOutput } from '../write-jsonl-output.js';

const help = `Usage: prefplay generate --model DIR --input prompts.jsonl --samples K [options]

Samples K responses per prompt from a Hugging Face model folder (KV-cached decoding on the tfjs
backend). Each input row {"prompt", "id"?} becomes one output row with the prompt, "responses"
(the K texts, as \`prefplay targets\` and an external judge read them) and "samples" (per response:
text, tokens, logprob under the sampling distribution, finishReason "stop" or "length", seed and
stream). Same seed, same output. Prompts follow the tokenisation convention of \`prefplay score\`
(a string with the tokenizer's special tokens, or chat messages rendered with the chat template).
A response stops at the first of the model's end tokens: the tokenizer's EOS (the chat template's
end of turn when it has one) and every eos_token_id of generation_config.json (else config.json),
e.g. both <|eot_id|> and <|end_of_text|> for Llama 3; the end token is kept in "tokens".

Options:
  --model DIR            Hugging Face model folder, or a PEFT adapter folder whose base is local (required)
  --adapter DIR          PEFT LoRA adapter folder to apply to --model
  --input FILE           JSONL input (required)
  --samples K            responses per prompt (required)
  --output FILE          write here (atomically) instead of stdout
  --temperature T        0 is greedy (default 1)
  --top-p P              nucleus sampling (default 1)
  --top-k K              keep the K most likely tokens (default: all)
  --max-new-tokens N     most tokens per response (default 128; also capped by the context)
  --seed S               (default 0)
  --batch-size N         rows decoded together (default 32; does not change the samples)
`;

const rowSchema = z.looseObject({ prompt: promptSchema, id: z.union([z.string(), z.number()]).optional() });

const optionsSchema = tokenSamplerOptionsSchema
  .pick({ temperature: true, topP: true, topK: true, batchSize: true })
  .extend({
    samples: z.number().int().min(1),
    maxNewTokens: z.number().int().min(1).default(128),
    seed: z.number().int().default(0),
  })
  .strict();

export const generateCommand: Command = {
  name: 'generate',
  summary: 'sample K responses per prompt from a Hugging Face model folder (JSONL in, JSONL out)',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        adapter: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        samples: { type: 'string' },
        temperature: { type: 'string' },
        'top-p': { type: 'string' },
        'top-k': { type: 'string' },
        'max-new-tokens': { type: 'string' },
        seed: { type: 'string' },
        'batch-size': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    for (const flag of ['input', 'samples'] as const) {
      if (values[flag] === undefined) {
        throw new PrefplayError({
          code: 'invalid-options',
          problem: `generate needs --${flag}`,
          where: { field: `--${flag}` },
          hint: 'Run prefplay generate --help for the options',
        });
      }
    }
    const numeric = (flag: keyof typeof values, key: string) =>
      values[flag] !== undefined ? { [key]: Number(values[flag]) } : {};
    const options = parseOptions(
      optionsSchema,
      {
        ...numeric('samples', 'samples'),
        ...numeric('temperature', 'temperature'),
        ...numeric('top-p', 'topP'),
        ...numeric('top-k', 'topK'),
        ...numeric('max-new-tokens', 'maxNewTokens'),
        ...numeric('seed', 'seed'),
        ...numeric('batch-size', 'batchSize'),
      },
      { what: 'generate options' },
    );
    const file = resolve(io.cwd, values.input as string);
    const rows = await readJsonlRows(values.input as string, io.cwd, '--input', rowSchema, '{"prompt", "id"?}');
    const backend = await initBackend();
    io.stderr(`${describeBackend(backend)}\n`);
    const { policy, tokenizer } = await loadModelFolder(io, values.model, values.adapter, 'generate');
    try {
      const prompts: PromptV1[] = rows.map(({ line, value }) => {
        const tokens = encodeRowPrompt(tokenizer, value.prompt, file, line);
        if (tokens.length === 0 || tokens.length >= policy.maxSequenceLength) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem:
              tokens.length === 0
                ? 'the prompt encodes to no tokens'
                : `the prompt has ${tokens.length} tokens, leaving no room in the model's context of ${policy.maxSequenceLength}`,
            where: { file, line, field: 'prompt' },
            hint: tokens.length === 0 ? 'Give the prompt some text' : 'Shorten the prompt',
          });
        }
        return { id: String(value.id ?? line), tokens };
      });
      const sampler = createTokenSampler({
        decoder: policy,
        temperature: options.temperature,
        topP: options.topP,
        ...(options.topK !== undefined ? { topK: options.topK } : {}),
        maxNewTokens: options.maxNewTokens,
        batchSize: options.batchSize,
        ...(tokenizer.eosTokenIds.length > 0 ? { eosTokenId: tokenizer.eosTokenIds } : {}),
        decode: (tokens) => tokenizer.decode(tokens),
      });
      const samples = await sampler.doSample({ prompts, samplesPerPrompt: options.samples, seed: options.seed });
      const out = rows.map((row, i) => {
        const drawn = samples[i] ?? [];
        return JSON.stringify({
          ...row.raw,
          responses: drawn.map((s) => s.text ?? ''),
          samples: drawn.map((s, k) => ({
            text: s.text ?? '',
            tokens: s.tokens,
            logprob: s.logprob ?? null,
            finishReason: s.finishReason,
            seed: s.seed,
            stream: sampleStreamLabel(i, k),
          })),
          settings: sampler.settings,
        });
      });
      await writeJsonlOutput(io, values.output, out);
      return exitCodes.ok;
    } finally {
      policy.dispose();
    }
  },
};
