import { describe, expect, it } from 'vitest';
import {
  clockTime,
  dateTime,
  duration,
  paint,
  table,
  terminalOf,
  visibleLength,
  wrap,
} from '../../../sandbox/terminal.ts';

const piped = { tty: false, colour: false, width: 40, zone: 'UTC' };

describe('terminalOf', () => {
  it('colours a terminal, not a pipe, and never under NO_COLOR (https://no-color.org)', () => {
    expect(terminalOf({ isTTY: true, columns: 100 }, {}).colour).toBe(true);
    expect(terminalOf({ isTTY: false }, {}).colour).toBe(false);
    expect(terminalOf({ isTTY: true, columns: 100 }, { NO_COLOR: '1' }).colour).toBe(false);
    expect(terminalOf({ isTTY: true, columns: 100 }, { TERM: 'dumb' }).colour).toBe(false);
  });

  it("takes the terminal's width, else COLUMNS, else 120", () => {
    expect(terminalOf({ isTTY: true, columns: 90 }, { COLUMNS: '200' }).width).toBe(90);
    expect(terminalOf({ isTTY: false }, { COLUMNS: '100' }).width).toBe(100);
    expect(terminalOf({ isTTY: false }, {}).width).toBe(120);
  });
});

describe('table', () => {
  it('fits the width, wrapping the flexible column at word boundaries', () => {
    // Act
    const text = table(
      piped,
      ['notebook', 'reason'],
      [['nb-1', 'start failed with the new settings; restored lifecycleConfigName']],
      [1],
    );

    // Assess
    const lines = text.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(
      lines
        .slice(2)
        .map((l) => l.slice(10).trim())
        .join(' '),
    ).toBe('start failed with the new settings; restored lifecycleConfigName');
    expect(lines[2]!.startsWith('nb-1')).toBe(true);
  });

  it('keeps a fixed column whole', () => {
    const text = table(
      piped,
      ['execution', 'result'],
      [['request-3f0c3bde-6f5e', 'ok ok ok ok ok ok ok ok ok']],
      [1],
    );
    expect(text).toContain('request-3f0c3bde-6f5e');
  });

  it('colours only with colour, and colour does not change the layout', () => {
    const rows = [['nb-1', { text: 'rolled-back', style: 'red' as const }]];
    const plain = table(piped, ['notebook', 'outcome'], rows);
    const coloured = table({ ...piped, colour: true }, ['notebook', 'outcome'], rows);
    expect(plain).not.toContain('\u001b');
    expect(coloured).toContain('\u001b[31mrolled-back\u001b[39m');
    expect(coloured.split('\n').map(visibleLength)).toEqual(plain.split('\n').map(visibleLength));
  });
});

describe('times and words', () => {
  it('says a time in the reader’s zone and in UTC, or in UTC alone', () => {
    const at = Date.parse('2026-11-23T02:05:30Z');
    expect(clockTime(at, 'Europe/Berlin')).toBe('03:05:30 CET · 02:05:30Z');
    expect(clockTime(at, 'UTC')).toBe('02:05:30Z');
    expect(dateTime(at, 'America/New_York')).toBe('2026-11-22 21:05:30 EST · 2026-11-23 02:05:30Z');
  });

  it('says durations as people do', () => {
    expect([duration(45), duration(1380), duration(3900), duration(90)]).toEqual([
      '45s',
      '23m',
      '1h 05m',
      '1m 30s',
    ]);
  });

  it('wraps at words and cuts only a word longer than a line', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(paint({ colour: false }, 'red', 'x')).toBe('x');
  });
});
