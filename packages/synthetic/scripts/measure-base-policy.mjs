// Measures createBasePolicy on this machine: SFT wall and CPU time, first/last losses, and the
// share of well-formed and on-topic samples on training and held-out prompts.
// Usage (after `pnpm build`): node scripts/measure-base-policy.mjs [seed] [samplesPerPrompt] [steps]
import { initBackend } from '@prefplay/core';
import { decodeResponses } from '../dist/decode-responses.js';
import { createSyntheticTask, fitBasePolicy } from '../dist/index.js';

const seed = Number(process.argv[2] ?? 0);
const samplesPerPrompt = Number(process.argv[3] ?? 16);
const steps = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const backend = await initBackend({ backend: 'wasm' });
const task = createSyntheticTask({ seed });
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x, digits = 3) => Number(x.toFixed(digits));

const cpuStart = process.cpuUsage();
const start = performance.now();
const { policy, losses } = await fitBasePolicy(task, steps === undefined ? {} : { steps });
const cpu = process.cpuUsage(cpuStart);
const report = {
  backend: backend.backend,
  seed,
  steps: losses.length,
  wallSeconds: round((performance.now() - start) / 1000, 1),
  cpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
  lossFirst10: round(mean(losses.slice(0, 10))),
  lossLast10: round(mean(losses.slice(-10))),
};
for (const [name, prompts] of [
  ['train', task.trainPrompts],
  ['eval', task.evalPrompts],
]) {
  const rows = prompts.flatMap((p) => Array.from({ length: samplesPerPrompt }, () => p));
  const responses = decodeResponses(
    policy,
    rows.map((p) => p.tokens),
    { ...task.sampling, seed: seed + 1 },
  ).map((tokens) => ({ tokens }));
  const meanings = responses.map((r) => task.meaningOf(r));
  const stats = task.responseStatistics(responses);
  report[name] = {
    samples: rows.length,
    wellFormedRate: round(stats.wellFormedRate),
    onTopicRate: round(
      meanings.filter((m, i) => m.wellFormed && m.claim?.topic === rows[i].topic).length / rows.length,
    ),
    terminatedRate: round(stats.terminatedRate),
    meanFillerCount: round(stats.meanFillerCount),
    meanLength: round(stats.meanLength, 2),
    distinctClaimsPerPrompt: round(
      mean(
        prompts.map(
          (_, i) =>
            task.responseStatistics(responses.slice(i * samplesPerPrompt, (i + 1) * samplesPerPrompt)).distinctClaims,
        ),
      ),
      2,
    ),
    claimExploitability: round(
      mean(
        prompts.map(
          (p, i) =>
            task.claimExploitability(p, responses.slice(i * samplesPerPrompt, (i + 1) * samplesPerPrompt))
              .exploitability,
        ),
      ),
    ),
    examples: responses.slice(0, 3).map((r) => task.responseText(r.tokens)),
  };
}
console.log(JSON.stringify(report, null, 2));
policy.dispose();
