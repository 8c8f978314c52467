import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluatorV1, PreferenceOracleV1, PromptV1, SampleV1, SemanticEncoderV1 } from '@prefplay/core';
import { distinctN, meanLength, repetitionRate, winRate } from '@prefplay/evaluators';
import { restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { createTokenSampler } from '@prefplay/samplers';
import {
  basePolicyOptionsSchema,
  createBasePolicy,
  createSyntheticTask,
  type SyntheticTask,
} from '@prefplay/synthetic';
import {
  formatFinalTable,
  type IterationSummary,
  type MethodSummary,
  meanOverSeeds,
  openRunDirectory,
  policyHiddenEncoder,
  poolExploitability,
  type RunSummary,
  renderReportHtml,
  runSelfPlay,
  type SelfPlayConfig,
  selfPlayConfigSchema,
  selfPlayMethods,
  tfidfEncoder,
} from '@prefplay/trainers';
import { z } from 'zod';
import type { CliIo } from './command.js';
import { createProgressBar } from './progress-bar.js';
import { experimentReportLayout } from './report-layout.js';

const nestedKeys = ['sppo', 'gate', 'repulsion', 'dpo', 'ipo'] as const;

/** Method entry: a label plus self-play config fields that override `trainer`. */
const methodEntrySchema = z
  .object({
    /** Label in tables and plots (default: the method, unique). */
    name: z.string().min(1).optional(),
    method: z.enum(selfPlayMethods),
  })
  .catchall(z.unknown());

/** `prefplay train` / `prefplay reproduce` experiment on the embedded synthetic task. */
export const experimentConfigSchema = z
  .object({
    /** Seeds; each gets its own task split, base policy and runs. */
    seeds: z.array(z.number().int().min(0).max(0xffffffff)).min(1).default([1]),
    task: z
      .object({
        /** κ of the training oracle on same-meaning pairs (0 = the clean truth). */
        overconfidence: z.number().min(0).max(100).default(4),
        sftResponsesPerPrompt: z.number().int().min(1).max(10_000).optional(),
        maxNewTokens: z.number().int().min(7).max(64).optional(),
        temperature: z.number().positive().max(10).optional(),
      })
      .strict()
      .prefault({}),
    /** Supervised fine-tuning of the shared base policy. */
    base: z
      .object({
        /** Defaults of `createBasePolicy` when absent. */
        steps: z.number().int().min(1).max(100_000).optional(),
        batchSize: z.number().int().min(1).max(1024).optional(),
        learningRate: z.number().positive().max(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Semantic encoder of the gate: the task's meaning encoder, char-trigram TF-IDF, or the policy's hidden states. */
    encoder: z.enum(['task', 'tfidf', 'policy-hidden']).default('task'),
    /** Self-play settings shared by every method (any field of the self-play config but `method`). */
    trainer: z.record(z.string(), z.unknown()).default({}),
    methods: z.array(methodEntrySchema).min(1),
    evaluation: z
      .object({
        /** Samples per held-out prompt. */
        samplesPerPrompt: z.number().int().min(1).max(256).default(8),
        /** Exploitability against the pool of every checkpoint's samples (under the truth). */
        exploitability: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.methods.forEach((entry, i) => {
      const merged = mergeMethod(config.trainer, entry, config.evaluation.samplesPerPrompt);
      const parsed = selfPlayConfigSchema.safeParse(merged);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: ['methods', i, ...issue.path] });
        }
      }
      const name = entry.name ?? entry.method;
      if (names.has(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `method name "${name}" is used twice; give the entries distinct "name"s`,
          path: ['methods', i, 'name'],
        });
      }
      names.add(name);
    });
  });

export type ExperimentConfig = z.input<typeof experimentConfigSchema>;
export type ResolvedExperimentConfig = z.output<typeof experimentConfigSchema>;

function mergeMethod(
  trainer: Record<string, unknown>,
  entry: Record<string, unknown>,
  evaluationSamples: number,
): Record<string, unknown> {
  const { name: _name, ...rest } = entry;
  const merged: Record<string, unknown> = { evaluationSamplesPerPrompt: evaluationSamples, ...trainer, ...rest };
  for (const key of nestedKeys) {
    const a = trainer[key];
    const b = rest[key];
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) merged[key] = { ...a, ...b };
  }
  return merged;
}

/** True win rate of samples against baseline samples: per model sample, its mean truth probability over the baseline samples. */
export function winRateVsBaseEvaluator(judge: PreferenceOracleV1): EvaluatorV1 {
  return {
    specificationVersion: 'v1',
    evaluatorId: 'vs-base',
    async doEvaluate({ prompts, samples, baselineSamples }) {
      const values: number[] = [];
      for (let p = 0; p < prompts.length; p++) {
        const own = samples[p] ?? [];
        const base = baselineSamples?.[p] ?? [];
        if (own.length === 0 || base.length === 0) continue;
        const m = await judge.doCompare({ prompt: prompts[p] as PromptV1, responses: [...own, ...base] });
        own.forEach((_, k) => {
          let sum = 0;
          base.forEach((_, j) => {
            sum += m[k]?.[own.length + j] as number;
          });
          values.push(sum / base.length);
        });
      }
      if (values.length === 0) return {};
      const result = winRate(values);
      return { winRateVsBase: result.mean, winRateVsBaseSE: result.standardError };
    },
  };
}

/** Mean length (EOS excluded), repeated-bigram rate and distinct-2 of all held-out samples. */
export function textStatisticsEvaluator(eosTokenId: number): EvaluatorV1 {
  return {
    specificationVersion: 'v1',
    evaluatorId: 'text',
    async doEvaluate({ samples }) {
      const tokens = samples.flatMap((row) => row.map((s) => s.tokens));
      const strip = tokens.map((t) => (t[t.length - 1] === eosTokenId ? t.slice(0, -1) : t));
      return {
        meanLength: meanLength(tokens, { eosTokenId }),
        repetitionRate: repetitionRate(strip, 2),
        distinct2: distinctN(strip, 2),
      };
    },
  };
}

export type ExperimentResult = { readonly summary: RunSummary; readonly table: string; readonly seconds: number };

/**
 * Runs an experiment on the synthetic task: per seed, the base policy by SFT, then every method's
 * self-play from that same base, evaluated each iteration on held-out prompts; then exploitability
 * of every (method, iteration) against the pool of all their samples under the truth. Writes
 * `config.json`, `summary.json`, `report.html` and one run directory per seed and method.
 */
export async function runSyntheticExperiment(
  config: ResolvedExperimentConfig,
  out: string,
  io: CliIo,
  options: { readonly signal?: AbortSignal } = {},
): Promise<ExperimentResult> {
  const started = Date.now();
  await mkdir(out, { recursive: true });
  const root = await openRunDirectory(out);
  await root.writeConfig(config);
  const perSeed: Record<string, IterationSummary[][]> = {};
  const log = (text: string) => io.stderr(`${text}\n`);
  for (const seed of config.seeds) {
    const task: SyntheticTask = createSyntheticTask({
      seed,
      overconfidence: config.task.overconfidence,
      ...(config.task.sftResponsesPerPrompt !== undefined
        ? { sftResponsesPerPrompt: config.task.sftResponsesPerPrompt }
        : {}),
      ...(config.task.maxNewTokens !== undefined ? { maxNewTokens: config.task.maxNewTokens } : {}),
      ...(config.task.temperature !== undefined ? { temperature: config.task.temperature } : {}),
    });
    const sftBar = createProgressBar(io, `seed ${seed} base SFT`);
    const sftSteps = config.base.steps ?? basePolicyOptionsSchema.parse({}).steps;
    const baseStart = Date.now();
    const base = await createBasePolicy(task, {
      seed,
      ...(config.base.steps !== undefined ? { steps: config.base.steps } : {}),
      ...(config.base.batchSize !== undefined ? { batchSize: config.base.batchSize } : {}),
      ...(config.base.learningRate !== undefined ? { learningRate: config.base.learningRate } : {}),
      onStep: (step) => sftBar.update(step.step + 1, sftSteps, `loss ${step.loss.toFixed(3)}`),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    sftBar.finish();
    log(`seed ${seed}: base policy fitted in ${((Date.now() - baseStart) / 1000).toFixed(1)} s`);
    const baseState = base.doSaveState();
    base.dispose();
    const samplesByPolicy: Record<string, readonly (readonly SampleV1[])[]> = {};
    const iterationsByMethod: Record<string, IterationSummary[]> = {};
    for (const entry of config.methods) {
      const name = entry.name ?? entry.method;
      const merged = mergeMethod(config.trainer, entry, config.evaluation.samplesPerPrompt);
      const methodConfig = { ...merged, seed } as SelfPlayConfig;
      const policy = restorePolicy(baseState) as TransformerPolicy;
      try {
        const sampler = createTokenSampler({
          decoder: policy,
          temperature: task.sampling.temperature,
          maxNewTokens: task.sampling.maxNewTokens,
          eosTokenId: task.sampling.eosTokenId,
          decode: (tokens) => task.responseText(tokens),
        });
        const encoder: SemanticEncoderV1 =
          config.encoder === 'task'
            ? task.encoder
            : config.encoder === 'tfidf'
              ? tfidfEncoder({ n: 3, textOf: (r) => task.responseText(r.tokens) })
              : policyHiddenEncoder(policy);
        const bar = createProgressBar(io, `seed ${seed} ${name}`);
        const methodStart = Date.now();
        const result = await runSelfPlay(methodConfig, {
          policy,
          sampler,
          oracle: task.trainingOracle,
          trainPrompts: task.trainPrompts,
          evalPrompts: task.evalPrompts,
          encoder,
          evaluators: [
            winRateVsBaseEvaluator(task.truePreference),
            textStatisticsEvaluator(task.sampling.eosTokenId),
            task.evaluator,
          ],
          runDirectory: join(out, `seed-${seed}`, name),
          onProgress: (p) => bar.update(p.iteration, p.iterations, `${p.phase} ${p.done}/${p.total}`),
          onEvent: (e) =>
            log(`\n${name}: ${e.type} at iteration ${e.iteration}, step ${e.step} (loss ${e.loss}); weights restored`),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        bar.finish();
        const last = result.iterations[result.iterations.length - 1];
        log(
          `seed ${seed}: ${name} done in ${((Date.now() - methodStart) / 1000).toFixed(1)} s` +
            (last?.winRateVsBase !== undefined ? `, win rate vs base ${last.winRateVsBase.toFixed(3)}` : ''),
        );
        iterationsByMethod[name] = result.iterations.map((r) => ({ ...r }));
        result.evaluationSamples.forEach((samples, i) => {
          if (samples) samplesByPolicy[`${name}@${i}`] = samples;
        });
      } finally {
        policy.dispose();
      }
    }
    if (config.evaluation.exploitability) {
      const bar = createProgressBar(io, `seed ${seed} exploitability`);
      const pool = await poolExploitability({
        oracle: task.truePreference,
        prompts: task.evalPrompts,
        samples: samplesByPolicy,
        onPrompt: (done, total) => bar.update(done, total),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      bar.finish();
      for (const [name, rows] of Object.entries(iterationsByMethod)) {
        iterationsByMethod[name] = rows.map((r) => ({
          ...r,
          exploitability: pool.exploitability[`${name}@${r.iteration}`] ?? Number.NaN,
          poolSize: pool.meanPoolSize,
        }));
      }
    }
    for (const [name, rows] of Object.entries(iterationsByMethod)) {
      perSeed[name] ??= [];
      perSeed[name].push(rows);
      const seedDir = await openRunDirectory(join(out, `seed-${seed}`, name));
      const seedSummary: RunSummary = {
        methods: { [name]: { iterations: rows } },
        seeds: [seed],
        config: mergeMethod(
          config.trainer,
          config.methods.find((m) => (m.name ?? m.method) === name) ?? {},
          config.evaluation.samplesPerPrompt,
        ),
      };
      await seedDir.writeJson('summary.json', seedSummary);
      await seedDir.writeText(
        'report.html',
        renderReportHtml(seedSummary, { title: `${name}, seed ${seed}`, ...experimentReportLayout }),
      );
    }
  }
  const methods: Record<string, MethodSummary> = {};
  for (const [name, runs] of Object.entries(perSeed)) {
    methods[name] =
      config.seeds.length > 1
        ? {
            iterations: meanOverSeeds(runs),
            perSeed: Object.fromEntries(config.seeds.map((s, i) => [String(s), runs[i] ?? []])),
          }
        : { iterations: runs[0] ?? [] };
  }
  const summary: RunSummary = { methods, seeds: config.seeds, config };
  await root.writeJson('summary.json', summary);
  await root.writeText(
    'report.html',
    renderReportHtml(summary, {
      title: 'prefplay: SPPO, S-SPPO and iterative DPO on the synthetic task',
      ...experimentReportLayout,
    }),
  );
  return {
    summary,
    table: formatFinalTable(summary, experimentReportLayout.columns),
    seconds: (Date.now() - started) / 1000,
  };
}
