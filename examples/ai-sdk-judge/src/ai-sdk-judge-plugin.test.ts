import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultJudgeUserTemplate } from '@prefplay/ai-sdk';
import { main } from '@prefplay/cli';
import { createSyntheticTask } from '@prefplay/synthetic';
import { MockEmbeddingModelV3, MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type * as Plugin from './index.js';

// Runs `prefplay train` in this process on train.yaml, whose plugin is the built dist/index.js
// (the CLI imports it as it would any plugin; this test imports the same module to read the judge
// and encoder it built), and once more with the task's own oracle and encoder in their place.

const here = resolve(import.meta.dirname, '..');
const config = parse(readFileSync(join(here, 'train.yaml'), 'utf8')) as Record<string, unknown>;
let dir: string;
let plugin: typeof Plugin;

type Run = { code: number; out: string; err: string; dir: string };

async function train(file: string, out: string): Promise<Run> {
  const run = { code: -1, out: '', err: '', dir: out };
  const io = {
    cwd: here,
    isTTY: false,
    stdout: (text: string) => {
      run.out += text;
    },
    stderr: (text: string) => {
      run.err += text;
    },
  };
  run.code = await main(['train', file, '--out', out], io);
  return run;
}

type IterationRow = Record<string, unknown> & { iteration: number };
const iterationsOf = (run: Run): IterationRow[] =>
  (
    JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8')) as {
      methods: Record<string, { iterations: IterationRow[] }>;
    }
  ).methods['s-sppo']?.iterations ?? [];

let viaAiSdk: Run;
let viaTask: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-ai-sdk-judge-'));
  plugin = (await import(pathToFileURL(join(here, 'dist/index.js')).href)) as typeof Plugin;
  viaAiSdk = await train(join(here, 'train.yaml'), join(dir, 'ai-sdk'));
  const { oracle: _oracle, encoder: _encoder, plugins: _plugins, ...rest } = config;
  writeFileSync(join(dir, 'task.json'), JSON.stringify({ ...rest, oracle: 'task', encoder: 'task' }));
  viaTask = await train(join(dir, 'task.json'), join(dir, 'task'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay train with an AI SDK judge and encoder from a plugin', () => {
  it('finishes the run of train.yaml', () => {
    expect(viaAiSdk.code, viaAiSdk.err).toBe(0);
    expect(viaAiSdk.out).toMatch(/^s-sppo\s+2\s/m);
    const rows = iterationsOf(viaAiSdk);
    expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2]);
    for (const row of rows) expect(Number.isFinite(row.winRateVsBase as number)).toBe(true);
    // the gate ran on the encoder's similarities
    expect(rows[2]?.['gate/count']).toBeGreaterThan(0);
  });

  it('judged every training pair of every iteration through the AI SDK, reading log-probs', () => {
    // built once while the config is checked, then once for the run's one seed and method
    const created = plugin.createdComponents;
    expect(
      created.map((c) => `${c.kind} ${c.where}`),
      'the CLI and this test share the plugin module',
    ).toEqual(['oracle oracle', 'encoder encoder', 'oracle oracle', 'encoder encoder']);
    const [judged, embedded] = created.slice(2);
    if (judged?.kind !== 'oracle' || embedded?.kind !== 'encoder') throw new Error('unreachable');
    const model = judged.model;
    expect(model).toBeInstanceOf(MockLanguageModelV3);
    const calls = (model as MockLanguageModelV3).doGenerateCalls;

    // expected counts from the run's own resolved config and the task's prompts
    const method = JSON.parse(readFileSync(join(viaAiSdk.dir, 'seed-1', 's-sppo', 'config.json'), 'utf8')) as {
      iterations: number;
      samplesPerPrompt: number;
    };
    const task = createSyntheticTask({ seed: 1 });
    const k = method.samplesPerPrompt;
    const perPrompt = method.iterations * k * (k - 1); // both orders of every pair, every iteration
    expect(calls).toHaveLength(task.trainPrompts.length * perPrompt);
    expect(judged.judge.stats).toMatchObject({
      queries: calls.length,
      logprobAnswers: calls.length,
      textAnswers: 0,
      unreadableAnswers: 0,
    });

    const promptOf = (call: (typeof calls)[number]): string => {
      const user = call.prompt.find((m) => m.role === 'user');
      const text =
        user && typeof user.content !== 'string' && user.content[0]?.type === 'text' ? user.content[0].text : '';
      const head = defaultJudgeUserTemplate.slice(0, defaultJudgeUserTemplate.indexOf('{prompt}'));
      expect(text.startsWith(head)).toBe(true);
      return text.slice(head.length, text.indexOf('\n\nResponse A:'));
    };
    const counts = new Map<string, number>();
    for (const call of calls) counts.set(promptOf(call), (counts.get(promptOf(call)) ?? 0) + 1);
    expect(new Set(counts.keys())).toEqual(new Set(task.trainPrompts.map((p) => p.text)));
    for (const n of counts.values()) expect(n).toBe(perPrompt);

    expect(embedded.model).toBeInstanceOf(MockEmbeddingModelV3);
    const embedCalls = (embedded.model as MockEmbeddingModelV3).doEmbedCalls;
    expect(embedCalls.length).toBeGreaterThan(0);
    expect(embedded.encoder.stats.calls).toBe(embedCalls.length);
    // every sampled response of every training prompt and iteration was embedded
    expect(embedCalls.reduce((n, c) => n + c.values.length, 0)).toBe(method.iterations * task.trainPrompts.length * k);
  });

  it("trains to the same numbers as the task's own oracle and encoder", () => {
    expect(viaTask.code, viaTask.err).toBe(0);
    const want = iterationsOf(viaTask);
    const got = iterationsOf(viaAiSdk);
    expect(got).toHaveLength(want.length);
    got.forEach((row, t) => {
      const reference = want[t] as IterationRow;
      expect(Object.keys(row).sort()).toEqual(Object.keys(reference).sort());
      for (const [key, value] of Object.entries(row)) {
        const expected = reference[key] as number;
        const tolerance = 1e-6 * Math.max(1, Math.abs(expected));
        expect(Math.abs((value as number) - expected), `${key} at iteration ${t}`).toBeLessThanOrEqual(tolerance);
      }
    });
  });
});
