import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script without type declarations
import { foldLoadOffsets } from '../scripts/fold-load-offsets.mjs';

const fold = foldLoadOffsets as (wat: string) => string;

describe('foldLoadOffsets', () => {
  it('folds a non-negative constant added to a load address into the offset, adding to one already there', () => {
    const wat = [
      '    local.get 1',
      '    i32.const 12',
      '    i32.add',
      '    v128.load32_splat align=1',
      '    local.get 2',
      '    i32.const 16',
      '    i32.add',
      '    f32.load offset=8 align=4',
    ].join('\n');
    expect(fold(wat)).toBe(
      [
        '    local.get 1',
        '    v128.load32_splat offset=12 align=1',
        '    local.get 2',
        '    f32.load offset=24 align=4',
      ].join('\n'),
    );
  });

  it('leaves negative constants, stores and adds not followed by a load alone', () => {
    const wat = [
      '    local.get 1',
      '    i32.const -16',
      '    i32.add',
      '    v128.load align=1',
      '    local.get 2',
      '    i32.const 16',
      '    i32.add',
      '    local.get 3',
      '    v128.store align=1',
      '    i32.const 4',
      '    i32.add',
      '    local.set 5',
    ].join('\n');
    expect(fold(wat)).toBe(wat);
  });
});
