import { describe, expect, it } from 'vitest';
import type { NotebookResult } from '#lib/notebook/outcomes';
import { boundedNotebooks, buildReport } from '#lib/notebook/report';
import { notebooksDown } from '../../../sandbox/timeline.ts';

const byName = (results: NotebookResult[]) => new Map(results.map((r) => [r.name, r]));

describe('buildReport', () => {
  it('merges the results, sorted, and counts the outcomes', () => {
    const report = buildReport(
      ['b', 'c'],
      byName([
        { name: 'a', outcome: 'skipped-exempt' },
        { name: 'b', outcome: 'patched' },
        { name: 'c', outcome: 'rolled-back' },
      ]),
    );
    expect(report.notebooks.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    expect(report.counts).toEqual({ patched: 1, 'rolled-back': 1, 'skipped-exempt': 1 });
  });

  it('never drops a planned notebook whose cycle produced no result', () => {
    const report = buildReport(['b'], new Map());
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

describe('boundedNotebooks', () => {
  const many = (n: number, outcome: NotebookResult['outcome'], prefix: string): NotebookResult[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `${prefix}-${String(i).padStart(4, '0')}`,
      outcome,
      reason: 'x'.repeat(40),
    }));

  it('names every notebook when they fit', () => {
    const notebooks = many(10, 'patched', 'nb');
    expect(boundedNotebooks(notebooks, 24 * 1024)).toEqual({ notebooks, omitted: 0 });
  });

  it('names the ones that need someone first when they do not, and stays within the bytes it was given', () => {
    // Prepare: 1,000 patched and 100 failed, far more than 24 KiB.
    const notebooks = [...many(1000, 'patched', 'ok'), ...many(100, 'failed', 'bad')];
    // Act
    const bounded = boundedNotebooks(notebooks, 24 * 1024);
    // Assess
    expect(Buffer.byteLength(JSON.stringify(bounded.notebooks))).toBeLessThanOrEqual(24 * 1024);
    expect(bounded.notebooks.filter((n) => n.outcome === 'failed')).toHaveLength(100);
    expect(bounded.omitted).toBe(1100 - bounded.notebooks.length);
    expect(bounded.omitted).toBeGreaterThan(0);
  });
});
