import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-train-'));
  writeFileSync(
    join(dir, 'bad-method.yaml'),
    ['seeds: [1]', 'trainer:', '  iterations: 2', 'methods:', '  - method: sppo', '  - method: spo', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'bad-k.yaml'),
    ['trainer:', '  iterations: 2', 'methods:', '  - method: sppo', '    samplesPerPrompt: 1', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'bad.json'),
    '{\n  "methods": [{ "method": "sppo" }],\n  "task": { "overconfidence": -1 }\n}\n',
  );
  writeFileSync(join(dir, 'syntax.yaml'), 'methods: [\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay train config errors', () => {
  it('names the file, line and field of a bad method', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'bad-method.yaml'], io)).toBe(2);
    expect(io.err).toMatch(/bad-method\.yaml:6, field "methods\[1\]\.method"/);
  });

  it('names a bad self-play field inside a method entry', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'bad-k.yaml'], io)).toBe(2);
    expect(io.err).toMatch(/bad-k\.yaml:5, field "methods\[0\]\.samplesPerPrompt"/);
  });

  it('names the line in a JSON config and reports syntax errors', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'bad.json'], io)).toBe(2);
    expect(io.err).toMatch(/bad\.json:3, field "task\.overconfidence"/);
    const syntax = captureIo(dir);
    expect(await main(['train', 'syntax.yaml'], syntax)).toBe(2);
    expect(syntax.err).toMatch(/syntax\.yaml:\d+: the experiment config is not valid YAML/);
    const missing = captureIo(dir);
    expect(await main(['train', 'nope.yaml'], missing)).toBe(2);
    expect(missing.err).toMatch(/nope\.yaml: cannot read/);
  });
});
