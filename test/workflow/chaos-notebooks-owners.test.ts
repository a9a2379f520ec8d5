import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent } from '../../sandbox/runner.ts';
import { auditInvocation, scheduleInvocation } from '../../sandbox/schedules.ts';
import { chaosSeeds, fleetYaml, runningNotebooks } from '../support/chaos.ts';
import { cyclesPerNotebook, notebookGuarantees, peakDown } from '../support/invariants.ts';
import { notebook, outcomes, patchRequested, runFleet } from '../support/sandbox.ts';

/**
 * One owner per notebook, across windows, audits, findings and requests (DESIGN.md, Safety guarantee 2): a
 * trigger that meets a notebook another window owns waits for it; its work is then done (or found done by the
 * other, and said so), never lost and never done twice.
 */
const START = Date.parse('2026-11-23T02:00:00Z');
const N = 20;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const finding = (at: number, updatedAt: string, id: string): SandboxEvent => {
  const event = JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../events/samples/securityhub-sagemaker3-consolidated.json'),
      'utf8',
    ),
  ) as SandboxEvent;
  (event.detail as Json).findings[0].UpdatedAt = updatedAt;
  return { ...event, id, time: new Date(at).toISOString() };
};

const config = parseConfig(
  `
mode: act
defaults:
  timezone: UTC
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 2 * * 1' }
    policy: { maxConcurrency: 5, maxErrors: 2 }
    maxDaysWithoutRestart: 14
    auditStartsPatch: true
`,
  'chaos-caretaker.yml',
);

describe.each(chaosSeeds())('one owner per notebook, seed %i', (seed) => {
  it('lets two windows on the same notebooks, up to 300 s apart, cycle each notebook once', async () => {
    // Prepare: the second request comes 0–300 s after the first, as the seed says.
    const offset = (seed * 97) % 300;
    const targets = { targets: { tags: { 'patch-group': 'weekly' } }, policy: { maxConcurrency: 5 } };
    const first = patchRequested(targets, { id: `first-${seed}` });
    const second = patchRequested(
      { ...targets, reason: 'another ticket' },
      {
        id: `second-${seed}`,
        time: new Date(START + offset * 1000).toISOString(),
      },
    );
    // Act
    const run = await runFleet(fleetYaml(runningNotebooks(N), `faults:\n  seed: ${seed}`), [first, second]);
    // Assess
    expect(notebookGuarantees(run)).toEqual([]);
    expect([...cyclesPerNotebook(run).values()]).toEqual(Array(N).fill(1));
    const ends = run.result.executions.flatMap((_, i) => Object.values(outcomes(run, i)));
    expect(ends.filter((o) => o === 'patched')).toHaveLength(N);
    expect(ends.filter((o) => o === 'already-patched')).toHaveLength(N);
  });

  it('shares a patch group’s maxConcurrency between its window and the audit that meets it', async () => {
    // Prepare: every notebook is overdue; the audit runs 10 minutes into the window.
    const fleet = parseFleet(
      fleetYaml(runningNotebooks(N, ', lastStartedAt: 2026-10-01T00:00:00Z'), `faults:\n  seed: ${seed}`),
      'chaos.yml',
    );
    const invocations = [
      scheduleInvocation(config, 'weekly@2026-11-23T02:00:00Z', START),
      auditInvocation(config, '2026-11-23T02:10:00Z', START),
    ];
    // Act
    const run = await runSandbox(fleet, [], { invocations });
    // Assess
    expect(run.result.executions.map((e) => e.name).sort()).toEqual([
      'audit-weekly-20261123T0210Z',
      'weekly-20261123T0200Z',
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect([...cyclesPerNotebook(run).values()]).toEqual(Array(N).fill(1));
    expect(run.result.maxNotebooksDown).toBeLessThanOrEqual(5);
  });

  it('applies a finding that arrives 5 s after a window took its notebook, once the window is done', async () => {
    // Prepare
    const fleet = fleetYaml(
      `  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }\n${runningNotebooks(4)}`,
      `faults:\n  seed: ${seed}`,
    );
    const windowRequest = patchRequested(
      { targets: { tags: { 'patch-group': 'weekly' } } },
      { id: `w-${seed}` },
    );
    // Act
    const run = await runFleet(fleet, [
      windowRequest,
      finding(START + 5000, '2026-11-23T02:00:05.000Z', `f-${seed}`),
    ]);
    // Assess
    expect(notebookGuarantees(run)).toEqual([]);
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled', stops: 2 });
    const findingRun = run.result.executions.findIndex((e) => e.trigger.source === 'aws.securityhub');
    expect(outcomes(run, findingRun)).toEqual({ 'nb-1': 'patched' });
  });

  it('remediates a control that fails again ten days after it was fixed, and deduplicates re-imports', async () => {
    const fleet = fleetYaml(
      `  - { name: nb-1, status: InService, rootAccess: Enabled }`,
      `faults:\n  seed: ${seed}`,
    );
    const tenDays = START + 10 * 86_400_000;
    const run = await runFleet(fleet, [
      finding(START, '2026-11-23T02:00:00.000Z', 'first'),
      finding(START + 3_600_000, '2026-11-23T02:00:00.000Z', 're-import'),
      finding(tenDays, '2026-12-03T02:00:00.000Z', 'failed-again'),
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(run.result.executions).toHaveLength(2);
    expect(Object.values(outcomes(run, 1))).toEqual(['already-patched']);
  });

  it('counts notebooks left stuck or failed against maxConcurrency until the window reports them', async () => {
    // Prepare: two notebooks never leave Stopping, two fail every start for capacity; the window has a deadline.
    const stuck = [1, 2].map(
      (i) =>
        `  - { name: stuck-${i}, status: InService, tags: { patch-group: weekly }, behavior: { stuckStopping: true } }`,
    );
    const failing = [1, 2].map(
      (i) =>
        `  - { name: failing-${i}, status: InService, tags: { patch-group: weekly }, behavior: { failStarts: 99 } }`,
    );
    const fleet = fleetYaml(
      [...stuck, ...failing, runningNotebooks(8)].join('\n'),
      `faults:\n  seed: ${seed}`,
    );
    const deadline = new Date(START + 4 * 3_600_000).toISOString();
    // Act
    const run = await runFleet(fleet, [
      patchRequested({
        targets: { tags: { 'patch-group': 'weekly' } },
        policy: { maxConcurrency: 3, maxErrors: '25%', deadline },
      }),
    ]);
    // Assess: never more than three down, the stuck ones reported once the deadline passed, nothing lost.
    expect(notebookGuarantees(run)).toEqual([]);
    const execution = run.result.executions[0]!;
    expect(peakDown(run, execution.name)).toBeLessThanOrEqual(3);
    expect(execution.stats.maxNotebooksDown).toBeLessThanOrEqual(3);
    const ends = outcomes(run);
    expect(Object.keys(ends)).toHaveLength(12);
    for (const name of ['stuck-1', 'stuck-2'].filter((n) => Number(notebook(run, n).stops) > 0))
      expect(ends[name]).toBe('needs-attention');
    for (const name of ['failing-1', 'failing-2'].filter((n) => Number(notebook(run, n).starts) > 0))
      expect(ends[name]).toBe('failed');
    for (const outcome of Object.values(ends))
      expect(['patched', 'failed', 'needs-attention', 'not-started']).toContain(outcome);
  });
});
