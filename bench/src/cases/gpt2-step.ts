import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../bench-case.js';

const python = '/usr/bin/python3';
const torchScript = fileURLToPath(new URL('../../python/gpt2_step_bench.py', import.meta.url));
const worker = fileURLToPath(new URL('../workers/gpt2-step-worker.js', import.meta.url));
const modes = ['lora', 'full'] as const;
type Family = 'gpt2' | 'llama';
/** Interleaved rounds per mode (each a fresh process of ours and of PyTorch, one warm-up and `steps` timed steps). */
const rounds = Number(process.env.PREFPLAY_BENCH_GPT2_ROUNDS ?? 2);
const steps = 2;

type Measurement = { stepMs: number[]; stepCpuMs: number[]; maxRssMB: number };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function runJson(command: string, args: string[], env: NodeJS.ProcessEnv): Measurement {
  const out = execFileSync(command, args, { encoding: 'utf8', env, maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
}

function hasTorch(log: (line: string) => void): boolean {
  if (!existsSync(python)) return false;
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    log(`  ${python} has no torch: install Debian's python3-torch and libopenblas0-pthread for the baseline`);
    return false;
  }
}

/** One forward + backward step of a Hugging Face model shape, ours against PyTorch, per training mode. */
function stepBench(
  family: Family,
  name: string,
  description: string,
  familyModes: readonly (typeof modes)[number][],
): BenchCase {
  return {
    name,
    description,
    async run({ log }) {
      const torch = hasTorch(log);
      // One BLAS thread on both sides: the wasm backend runs single-threaded.
      const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
      const results: Record<string, number | string | null> = { [`${family}OpenblasThreads`]: 1 };
      for (const mode of familyModes) {
        const ours: Measurement[] = [];
        const theirs: Measurement[] = [];
        for (let round = 0; round < rounds; round++) {
          const args = ['--family', family, '--mode', mode, '--steps', String(steps)];
          const mine = runJson(process.execPath, [worker, ...args], env);
          log(`  ${mode} round ${round + 1} prefplay: ${JSON.stringify(mine)}`);
          ours.push(mine);
          if (torch) {
            const baseline = runJson(python, [torchScript, ...args], env);
            log(`  ${mode} round ${round + 1} PyTorch: ${JSON.stringify(baseline)}`);
            theirs.push(baseline);
          }
        }
        const summary = (list: Measurement[], key: 'stepMs' | 'stepCpuMs') => {
          const all = list.flatMap((m) => m[key]);
          return { median: median(all), low: Math.min(...all), high: Math.max(...all) };
        };
        const wall = summary(ours, 'stepMs');
        const cpu = summary(ours, 'stepCpuMs');
        const prefix = `${family}${mode === 'lora' ? 'Lora' : 'Full'}`;
        results[`${prefix}StepMs`] = Math.round(wall.median);
        results[`${prefix}StepMsRange`] = `${Math.round(wall.low)}–${Math.round(wall.high)}`;
        results[`${prefix}StepCpuMs`] = Math.round(cpu.median);
        results[`${prefix}PeakRssMB`] = Math.round(Math.max(...ours.map((m) => m.maxRssMB)));
        if (theirs.length > 0) {
          const torchWall = summary(theirs, 'stepMs');
          const torchCpu = summary(theirs, 'stepCpuMs');
          results[`${prefix}TorchStepMs`] = Math.round(torchWall.median);
          results[`${prefix}TorchStepMsRange`] = `${Math.round(torchWall.low)}–${Math.round(torchWall.high)}`;
          results[`${prefix}TorchStepCpuMs`] = Math.round(torchCpu.median);
          results[`${prefix}TorchPeakRssMB`] = Math.round(Math.max(...theirs.map((m) => m.maxRssMB)));
          results[`${prefix}RatioVsTorch`] = Number((torchWall.median / wall.median).toFixed(3));
          results[`${prefix}CpuRatioVsTorch`] = Number((torchCpu.median / cpu.median).toFixed(3));
        } else {
          results[`${prefix}RatioVsTorch`] = null;
        }
      }
      return results;
    },
  };
}

export const gpt2StepBench = stepBench(
  'gpt2',
  'gpt2-step',
  'one forward + backward step of a GPT-2-small-shaped model (124M parameters, T 256, batch 1), LoRA (r 8 on c_attn) and full, with peak RSS, vs PyTorch CPU on one OpenBLAS thread (fresh process per measurement, interleaved rounds; CPU time is reported beside wall time because the machine is shared)',
  modes,
);

export const llamaStepBench = stepBench(
  'llama',
  'llama-step',
  'one forward + backward step of a Llama-shaped model (vocab 32000, d 768, 12 layers, 12 query heads over 4 key/value heads, SwiGLU 2048, untied head: 125M parameters; T 256, batch 1) with LoRA (r 8 on q_proj and v_proj), with peak RSS, vs the same model in PyTorch CPU on one OpenBLAS thread (fresh process per measurement, interleaved rounds)',
  ['lora'],
);
