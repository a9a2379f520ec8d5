import { describe, expect, it } from 'vitest';
import { buildReport } from '#lib/notebook/report';
import { completionSummary, EVENT_NOTEBOOK_LIMIT } from '#lib/notebook/report-step';
import { notebooksDown } from '../../../sandbox/timeline.ts';

describe('buildReport', () => {
  it('merges skipped and cycled notebooks, sorted, and counts the outcomes', () => {
    const report = buildReport(
      [{ name: 'b' }, { name: 'c' }],
      [{ name: 'a', outcome: 'skipped-exempt' }],
      [
        { name: 'b', outcome: 'patched' },
        { name: 'c', outcome: 'rolled-back' },
      ],
    );
    expect(report.notebooks.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    expect(report.counts).toEqual({ patched: 1, 'rolled-back': 1, 'skipped-exempt': 1 });
  });

  it('never drops a planned notebook whose cycle produced no result', () => {
    const report = buildReport([{ name: 'b' }], [], [null]);
    expect(report.notebooks).toEqual([expect.objectContaining({ name: 'b', outcome: 'needs-attention' })]);
  });
});

describe('notebooksDown', () => {
  const h = [
    { name: 'a', status: 'InService', at: 0 },
    { name: 'b', status: 'InService', at: 0 },
    { name: 'c', status: 'Stopped', at: 0 },
    // the execution starts here (index 3), and stops `a` in the same instant
    { name: 'a', status: 'Stopping', at: 0 },
    { name: 'c', status: 'Pending', at: 10 },
    { name: 'b', status: 'Stopping', at: 20 },
    { name: 'a', status: 'InService', at: 20 },
    { name: 'b', status: 'InService', at: 30 },
  ];

  it('counts the peak of notebooks that were running and were not, at the same moment', () => {
    expect(notebooksDown(h, 3, 100)).toBe(1);
    expect(notebooksDown([...h, { name: 'a', status: 'Stopping', at: 25 }], 3, 100)).toBe(2);
  });

  it('counts a stop made in the very instant the execution began', () => {
    expect(notebooksDown(h.slice(0, 4), 3, 100)).toBe(1);
  });

  it('ignores notebooks that were not running when the execution began', () => {
    expect(notebooksDown([...h.slice(0, 3), { name: 'c', status: 'Pending', at: 5 }], 3, 100)).toBe(0);
  });
});

describe('completionSummary', () => {
  it('names only the notebooks someone should look at, and at most a bounded number', () => {
    // Prepare
    const notebooks = [
      ...Array.from({ length: 250 }, (_, i) => ({
        name: `bad-${i}`,
        outcome: 'failed' as const,
        reason: 'x',
      })),
      { name: 'fine', outcome: 'patched' as const },
    ];
    // Act
    const summary = completionSummary(buildReport([], notebooks, []));
    // Assess
    expect(summary.total).toBe(251);
    expect(summary.counts).toEqual({ failed: 250, patched: 1 });
    expect(summary.notebooks).toHaveLength(EVENT_NOTEBOOK_LIMIT);
    expect(summary.notebooks.some((n) => n.name === 'fine')).toBe(false);
    expect(summary.notebooksOmitted).toBe(50);
  });
});
