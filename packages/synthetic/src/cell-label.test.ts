import { describe, expect, it } from 'vitest';
import { cellLabel } from './cell-label.js';

describe('cellLabel', () => {
  it('names a cell as the reproduction does (docs/reproduction.md, summary.json)', () => {
    expect(cellLabel({ overconfidence: 4, concision: 1, dominantClaimShare: 2 / 3 })).toBe(
      'κ=4 concision=1 share 0.667',
    );
    expect(cellLabel({ overconfidence: 0, concision: 0, dominantClaimShare: null })).toBe('κ=0 concision=0 uniform');
    expect(cellLabel({ overconfidence: 0.5, concision: 2, dominantClaimShare: 0.5 })).toBe(
      'κ=0.5 concision=2 share 0.5',
    );
  });
});
