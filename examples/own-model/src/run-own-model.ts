import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CliIo, main } from '@prefplay/cli';
import type { OpenAITestServer } from '@prefplay/openai/testing';
import { makeTinyModel } from './make-tiny-model.js';
import { startToyJudgeServer } from './toy-judge-server.js';

const here = fileURLToPath(new URL('..', import.meta.url));

export type OwnModelRun = {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The run directory `prefplay train` wrote. */
  readonly runDirectory: string;
  /** What the toy judge server received. */
  readonly requests: OpenAITestServer['requests'];
};

/**
 * The whole example in one call: writes the tiny model folder and the prompts into `workDirectory`,
 * starts the toy judge and embeddings server, writes `train.yaml` with the server's address, and
 * runs `prefplay train train.yaml --out run` in this process.
 */
export async function runOwnModel(workDirectory: string): Promise<OwnModelRun> {
  await mkdir(workDirectory, { recursive: true });
  await makeTinyModel(join(workDirectory, 'model'));
  await copyFile(join(here, 'prompts.jsonl'), join(workDirectory, 'prompts.jsonl'));
  const server = await startToyJudgeServer();
  try {
    const config = (await readFile(join(here, 'train.yaml'), 'utf8')).replaceAll(
      'http://127.0.0.1:8000/v1',
      server.baseURL,
    );
    await writeFile(join(workDirectory, 'train.yaml'), config);
    const run = { out: '', err: '' };
    const io: CliIo = {
      cwd: workDirectory,
      isTTY: false,
      stdout: (text) => {
        run.out += text;
      },
      stderr: (text) => {
        run.err += text;
      },
    };
    const runDirectory = join(workDirectory, 'run');
    const code = await main(['train', 'train.yaml', '--out', runDirectory], io);
    return { code, ...run, runDirectory, requests: server.requests };
  } finally {
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.OWN_MODEL_API_KEY ??= 'toy-key';
  const result = await runOwnModel(resolve(process.argv[2] ?? 'own-model-run'));
  process.stderr.write(result.err);
  process.stdout.write(result.out);
  process.exitCode = result.code;
}
