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
  writeFileSync(
    join(dir, 'nested-typo.yaml'),
    ['methods:', '  - method: sppo', '    loss:', '      options:', '        etaa: 100', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'trainer-typo.yaml'),
    ['trainer:', '  iterations: 2', '  sppo:', '    eta: 100', 'methods:', '  - method: sppo', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'trainer-type.yaml'),
    ['seeds: [1]', 'trainer:', '  iterations: six', 'methods:', '  - method: sppo', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'typo.json'),
    '{\n  "methods": [\n    {\n      "method": "s-sppo",\n      "repulsion": { "lamda": 0.2 }\n    }\n  ]\n}\n',
  );
  writeFileSync(join(dir, 'minimal.yaml'), 'methods:\n  - method: sppo\n');
  writeFileSync(
    join(dir, 'oracle-options.yaml'),
    ['oracle:', '  name: task', '  options: { temperature: 2 }', 'methods:', '  - method: sppo', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'plugin-missing.yaml'),
    ['plugins: [./nowhere.js]', 'methods:', '  - method: sppo', ''].join('\n'),
  );
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

  it('names a typo in nested loss options with its full path and line (YAML)', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'nested-typo.yaml'], io)).toBe(2);
    expect(io.err).toMatch(/nested-typo\.yaml:5, field "methods\[0\]\.loss\.options\.etaa".*unknown key "etaa"/);
  });

  it('names unknown keys and wrong types under trainer at their own line, not at methods', async () => {
    const typo = captureIo(dir);
    expect(await main(['train', 'trainer-typo.yaml'], typo)).toBe(2);
    expect(typo.err).toMatch(/trainer-typo\.yaml:3, field "trainer\.sppo".*unknown key "sppo"/);
    const type = captureIo(dir);
    expect(await main(['train', 'trainer-type.yaml'], type)).toBe(2);
    expect(type.err).toMatch(/trainer-type\.yaml:3, field "trainer\.iterations"/);
  });

  it('names the line of an unknown key in a JSON config', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'typo.json'], io)).toBe(2);
    expect(io.err).toMatch(/typo\.json:5, field "methods\[0\]\.repulsion\.lamda"/);
  });

  it('--check prints the resolved config of the minimal file with the real defaults, and runs nothing', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'minimal.yaml', '--check'], io)).toBe(0);
    expect(io.out).toMatch(/minimal\.yaml: valid/);
    expect(io.out).toMatch(/name: sppo/);
    expect(io.out).toMatch(/iterations: 3/);
    expect(io.out).toMatch(/eta: 1000|loss:\n\s+name: sppo/);
    const help = captureIo(dir);
    expect(await main(['train', '--help'], help)).toBe(0);
    expect(help.out).toMatch(/iterations: 3/);
    expect(help.out).toMatch(/samplesPerPrompt: 4/);
  });

  it('names a plugin module that cannot be loaded, at its line', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'plugin-missing.yaml', '--check'], io)).toBe(2);
    expect(io.err).toMatch(/plugin-missing\.yaml:1, field "plugins\[0\]".*cannot load the plugin module/);
  });

  it('--check builds the named components, so their bad options are found before any training', async () => {
    const io = captureIo(dir);
    expect(await main(['train', 'oracle-options.yaml', '--check'], io)).toBe(2);
    expect(io.err).toMatch(/oracle-options\.yaml:3, field "oracle\.options": oracle takes no options/);
  });
});
