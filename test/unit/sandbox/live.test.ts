import { describe, expect, it } from 'vitest';
import { liveView, windowBar } from '../../../sandbox/live.ts';
import type { Progress } from '../../../sandbox/runner.ts';

const at = Date.parse('2026-11-23T02:07:00Z');
const window = (done: number, down: number, errors: number): Progress => ({
  kind: 'window',
  at,
  text: '',
  execution: 'weekly-20261129T0200Z',
  planned: 12,
  done,
  down,
  errors,
});

describe('the live view of a run', () => {
  it('stamps each line with the virtual time it happened at', () => {
    const out: string[] = [];
    const view = liveView({ tty: false, colour: false, width: 100, zone: 'Europe/Berlin' }, (t) =>
      out.push(t),
    );
    view.progress({ kind: 'delivered', at, text: 'event 0 (Notebook Patch Requested): started request-1' });
    expect(out.join('')).toBe(
      '  03:07:00 CET · 02:07:00Z  event 0 (Notebook Patch Requested): started request-1\n',
    );
  });

  it('prints plain lines when piped: one each time a notebook ends, none when only the count down changes', () => {
    // Prepare
    const out: string[] = [];
    const view = liveView({ tty: false, colour: false, width: 100, zone: 'UTC' }, (t) => out.push(t));

    // Act
    for (const p of [window(0, 1, 0), window(0, 2, 0), window(1, 2, 0), window(2, 1, 1)]) view.progress(p);

    // Assess
    expect(out).toHaveLength(3);
    expect(out.join('')).not.toContain('\u001b');
    expect(out.join('')).not.toContain('\r');
    expect(out[2]).toContain('2/12 notebooks · 1 down now · 1 error');
  });

  it('redraws one bar per window in place on a terminal, and takes it away at the end', () => {
    const out: string[] = [];
    const view = liveView({ tty: true, colour: false, width: 100, zone: 'UTC' }, (t) => out.push(t));
    view.progress(window(3, 4, 0));
    view.progress(window(4, 3, 0));
    view.end();
    expect(out.filter((t) => t.includes('▕'))).toHaveLength(2);
    expect(out.filter((t) => t.includes('\r'))).toHaveLength(2);
  });

  it('draws the share of notebooks done', () => {
    expect(windowBar({ planned: 4, done: 2, down: 1, errors: 0 }, 8)).toBe(
      '▕████░░░░▏ 2/4 notebooks · 1 down now · 0 errors',
    );
  });
});
