import { describe, expect, it } from 'vitest';
import type { NotebookChange } from '../../../sandbox/emulator/notebooks.ts';
import { notebooksDown } from '../../../sandbox/timeline.ts';

describe('notebooksDown over a run with a deletion', () => {
  // The fleet's initial statuses (the mark is 2), then a's deletion while b is being stopped.
  const history: NotebookChange[] = [
    { name: 'a', status: 'InService', at: 0 },
    { name: 'b', status: 'InService', at: 0 },
    { name: 'a', status: 'Deleting', at: 10 },
    { name: 'a', status: 'Deleting', at: 70, gone: true },
    { name: 'b', status: 'Stopping', at: 70 },
    { name: 'b', status: 'Stopped', at: 160 },
  ];

  it('counts a notebook as down while it is Deleting and stops counting it once it is gone', () => {
    // Act
    const peak = notebooksDown(history, 2, 1000);
    const beforeGone = notebooksDown(
      history.filter((c) => !c.gone),
      2,
      1000,
    );

    // Assess: a is gone in the instant b goes down, so they never count together.
    expect(peak).toBe(1);
    expect(beforeGone).toBe(2);
  });
});
