import { promises as fs } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from './write-file-atomic.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('writeFileAtomic', () => {
  it('writes text and bytes, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prefplay-atomic-'));
    await writeFileAtomic(join(dir, 'a', 'b.txt'), 'hello');
    await writeFileAtomic(join(dir, 'c.bin'), new Uint8Array([1, 2, 3]));
    expect(await readFile(join(dir, 'a', 'b.txt'), 'utf8')).toBe('hello');
    expect([...(await readFile(join(dir, 'c.bin')))]).toEqual([1, 2, 3]);
  });

  it('leaves the old file intact and no temporary file when the rename fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prefplay-atomic-'));
    const target = join(dir, 'state.json');
    await writeFile(target, 'old');
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk unplugged'), { code: 'EIO' }));
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow(/disk unplugged/);
    expect(await readFile(target, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
