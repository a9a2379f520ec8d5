import { describe, expect, it } from 'vitest';
import type { SandboxRun } from '../../../sandbox/runner.ts';
import {
  ALARM_COLOURS,
  CONFIG_COLOURS,
  NOTEBOOK_COLOURS,
  OUTCOME_COLOURS,
  textWidth,
  ticks,
  timelineSvg,
} from '../../../sandbox/timeline-svg.ts';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const min = (m: number) => T0 + m * 60_000;
const stats = {
  transitions: 1,
  lambdaInvocations: 1,
  sagemakerCalls: {},
  virtualSeconds: 1,
  maxNotebooksDown: 1,
  largestPayloadBytes: 1,
};

/** A window where vision-nb's start fails and is rolled back, then a canary update rolled back by SageMaker. */
const run = {
  start: T0,
  end: min(160),
  notebookHistory: [
    { name: 'fraud-nb', status: 'InService', at: T0 },
    { name: 'a-notebook-with-a-rather-long-name', status: 'InService', at: T0 },
    { name: 'vision-nb', status: 'InService', at: T0 },
    { name: 'vision-nb', status: 'Stopping', at: min(1) },
    { name: 'vision-nb', status: 'Stopped', at: min(3) },
    { name: 'vision-nb', status: 'Pending', at: min(4) },
    { name: 'vision-nb', status: 'Failed', at: min(9) },
    { name: 'vision-nb', status: 'Updating', at: min(9.5) },
    { name: 'vision-nb', status: 'Pending', at: min(10) },
    { name: 'vision-nb', status: 'InService', at: min(15) },
  ],
  trafficHistory: [
    { endpoint: 'fraud-scoring', at: T0, weights: { 'fraud-v1': 100 } },
    { endpoint: 'fraud-scoring', at: min(62), weights: { 'fraud-v1': 75, 'fraud-v2': 25 } },
    { endpoint: 'fraud-scoring', at: min(65), weights: { 'fraud-v1': 100 } },
  ],
  alarmHistory: [
    { name: 'caretaker-fraud-5xx', state: 'OK', at: T0 },
    { name: 'caretaker-fraud-5xx', state: 'ALARM', at: min(63) },
    { name: 'caretaker-fraud-5xx', state: 'OK', at: min(66) },
  ],
  records: [
    {
      arn: 'a',
      name: 'request-1',
      stateMachine: 'notebook-patch',
      input: {},
      startedAt: T0,
      stoppedAt: min(23),
    },
    {
      arn: 'b',
      name: 'update-2',
      stateMachine: 'endpoint-update',
      input: {},
      startedAt: min(60),
      stoppedAt: min(66),
    },
  ],
  result: {
    executions: [
      {
        stateMachine: 'notebook-patch',
        name: 'request-1',
        trigger: { source: 's', detailType: 'd' },
        status: 'SUCCEEDED',
        output: {
          notebooks: [
            { name: 'fraud-nb', outcome: 'skipped-exempt' },
            { name: 'a-notebook-with-a-rather-long-name', outcome: 'settings-applied' },
            { name: 'vision-nb', outcome: 'rolled-back' },
          ],
        },
        stats,
      },
      {
        stateMachine: 'endpoint-update',
        name: 'update-2',
        trigger: { source: 's', detailType: 'd' },
        status: 'SUCCEEDED',
        output: { outcome: 'auto-rolled-back', endpointName: 'fraud-scoring' },
        stats,
      },
    ],
    ignoredEvents: [],
    maxNotebooksDown: 1,
    rejectedEvents: [],
    fleet: { notebooks: [], endpoints: [], endpointConfigs: [], alarms: [] },
    events: [],
  },
} as unknown as SandboxRun;

const svg = timelineSvg(run);
const texts = [...svg.matchAll(/<text x="([\d.]+)"[^>]*?(?:text-anchor="(\w+)")?[^>]*>([^<]*)<\/text>/g)].map(
  (m) => ({
    x: Number(m[1]),
    anchor: m[2] ?? 'start',
    text: m[3]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
  }),
);
const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);

describe('the timeline SVG of a run', () => {
  it('gives notebooks and endpoints their own panels, each with its own time axis', () => {
    expect(texts.map((t) => t.text)).toEqual(
      expect.arrayContaining(['Notebooks: 02:00:00Z to 02:24:00Z', 'Endpoints: 02:59:00Z to 03:07:00Z']),
    );
  });

  it('never uses one colour for two things: every swatch of the legend differs', () => {
    const swatches = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="12" height="12" fill="(#[0-9a-f]{6})"/g),
    ].map((m) => m[1]);
    expect(swatches.length).toBeGreaterThan(5);
    expect(new Set(swatches).size).toBe(swatches.length);
    const palettes = [...Object.values(NOTEBOOK_COLOURS), ...CONFIG_COLOURS, ...Object.values(ALARM_COLOURS)];
    expect(new Set(palettes).size).toBe(palettes.length);
  });

  it('marks a failed start where it happened, in the Failed colour, and says so in the legend', () => {
    expect(svg).toMatch(
      new RegExp(
        `<path d="M[\\d. LZ]+" fill="${NOTEBOOK_COLOURS.Failed}"[^>]*><title>vision-nb: start failed at 2026-11-23T02:09:00.000Z`,
      ),
    );
    expect(texts.map((t) => t.text)).toContain('start failed');
  });

  it('ends each lane with its outcome, coloured by what it means', () => {
    const outcome = (text: string) => new RegExp(`fill="([^"]+)">${text}</text>`).exec(svg)?.[1];
    expect(outcome('rolled-back')).toBe(OUTCOME_COLOURS.bad);
    expect(outcome('skipped-exempt')).toBe(OUTCOME_COLOURS.neutral);
    expect(outcome('settings-applied')).toBe(OUTCOME_COLOURS.good);
    expect(outcome('auto-rolled-back')).toBe(OUTCOME_COLOURS.bad);
  });

  it('draws a canary split as stacked shares of both configs', () => {
    const split = [
      ...svg.matchAll(
        /height="([\d.]+)" fill="(#[0-9a-f]{6})"><title>fraud-scoring: (fraud-v\d) (\d+)% from 2026-11-23T03:02/g,
      ),
    ];
    expect(split.map((m) => [m[3], Number(m[1])])).toEqual([
      ['fraud-v1', 12],
      ['fraud-v2', 4],
    ]);
    expect(split[0]![2]).not.toBe(split[1]![2]);
  });

  it('puts ticks on round times', () => {
    expect(ticks(min(-1), min(24), 800)).toEqual([min(0), min(5), min(10), min(15), min(20)]);
    // Over any span, ticks are whole multiples of one round step, from the first after the start.
    for (const [from, to] of [
      [min(3.3), min(11.7)],
      [min(-7), min(181)],
      [min(0.5), min(2000)],
    ] as const) {
      const found = ticks(from, to, 900);
      const step = found[1]! - found[0]!;
      expect([1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60_000)).toContain(step);
      expect(found.every((t, i) => t % step === 0 && (i === 0 || t - found[i - 1]! === step))).toBe(true);
      expect(found[0]! - from).toBeLessThan(step);
    }
  });

  it('clips no label: every text lies inside the picture', () => {
    for (const t of texts) {
      const w = textWidth(t.text, true);
      const [from, to] =
        t.anchor === 'middle'
          ? [t.x - w / 2, t.x + w / 2]
          : t.anchor === 'end'
            ? [t.x - w, t.x]
            : [t.x, t.x + w];
      expect(from, t.text).toBeGreaterThanOrEqual(0);
      expect(to, t.text).toBeLessThanOrEqual(width);
    }
  });
});
