import { describe, expect, it } from 'vitest';
import { roundAt } from '#lib/notebook/rounds';

describe('roundAt: a round of a window the Map runs, and where the next one is', () => {
  it('points to the next round while there is one', () => {
    expect(roundAt(0, ['nb-1', 'nb-2'], 3)).toEqual({ index: 0, names: ['nb-1', 'nb-2'], next: 1 });
  });

  it('points nowhere from the last round, so the window moves on to its report', () => {
    expect(roundAt(2, ['nb-9'], 3)).toEqual({ index: 2, names: ['nb-9'] });
  });
});
