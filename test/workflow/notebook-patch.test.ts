import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type Progress } from '../../sandbox/runner.ts';
import { auditInvocation } from '../../sandbox/schedules.ts';
import { mutatingCalls, notebook, outcomes, patchRequested, runFleet } from '../support/sandbox.ts';

const fleetOf = (notebooks: string, extra = '') => `
start: 2026-11-23T02:00:00Z
platformRelease: "2026.11"
lifecycleConfigs: [lc-v1, lc-v2]
notebooks:
${notebooks}
${extra}`;

const running = (names: string[], extra = '') =>
  names
    .map(
      (n) =>
        `  - { name: ${n}, status: InService, lifecycleConfigName: lc-v1, tags: { patch-group: weekly }${extra} }`,
    )
    .join('\n');

describe('notebook-patch on the sandbox', () => {
  it('stops, starts and verifies every notebook of a plain window, which then runs the new release', async () => {
    // Prepare
    const fleet = fleetOf(running(['nb-1', 'nb-2', 'nb-3']));
    // Act
    const run = await runFleet(fleet, [patchRequested({ targets: { tags: { 'patch-group': 'weekly' } } })]);
    // Assess
    const [execution] = run.result.executions;
    expect(execution).toMatchObject({
      stateMachine: 'notebook-patch',
      status: 'SUCCEEDED',
      trigger: { source: 'caretaker.requests', detailType: 'Notebook Patch Requested' },
    });
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-2': 'patched', 'nb-3': 'patched' });
    for (const n of run.result.fleet.notebooks)
      expect(n).toMatchObject({ status: 'InService', platformRelease: '2026.11' });
    const calls = Object.values(execution!.stats.sagemakerCalls).reduce((a, b) => a + b, 0);
    expect(calls / 3).toBeLessThanOrEqual(12);
    expect(execution!.stats.maxNotebooksDown).toBe(3);
    expect(execution!.stats.sagemakerCalls).toMatchObject({
      StopNotebookInstance: 3,
      StartNotebookInstance: 3,
    });
    expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Notebook Patch Completed']);
  });

  it("reports a window's progress as it goes, its last count with every notebook done before the window ends", async () => {
    // Prepare
    const fleet = fleetOf(running(['nb-1', 'nb-2', 'nb-3', 'nb-4']));
    const seen: Progress[] = [];
    // Act
    await runFleet(
      fleet,
      [patchRequested({ targets: { tags: { 'patch-group': 'weekly' } }, policy: { maxConcurrency: 2 } })],
      {
        onProgress: (p) => seen.push(p),
      },
    );
    // Assess
    const windows = seen.flatMap((p) => (p.kind === 'window' ? [p] : []));
    expect(windows.length).toBeGreaterThan(2);
    expect(windows.every((w) => w.planned === 4 && w.down <= 2)).toBe(true);
    expect(windows.map((w) => w.done)).toEqual([...windows.map((w) => w.done)].sort((a, b) => a - b));
    expect(windows.at(-1)).toMatchObject({ done: 4, planned: 4, down: 0, errors: 0 });
    const finished = seen.findIndex((p) => p.kind === 'finished');
    expect(seen.indexOf(windows.at(-1)!)).toBeLessThan(finished);
  });

  it('leaves exempt notebooks alone and applies settings to a stopped one without starting it', async () => {
    const fleet = fleetOf(`${running(['nb-1'])}
  - { name: nb-exempt, status: InService, tags: { patch-group: weekly, "caretaker:exempt": "" } }
  - { name: nb-stopped, status: Stopped, lifecycleConfigName: lc-v1, tags: { patch-group: weekly } }`);
    const run = await runFleet(fleet, [
      patchRequested({
        targets: { tags: { 'patch-group': 'weekly' } },
        settings: { lifecycleConfigName: 'lc-v2' },
      }),
    ]);
    expect(outcomes(run)).toEqual({
      'nb-1': 'patched',
      'nb-exempt': 'skipped-exempt',
      'nb-stopped': 'settings-applied',
    });
    expect(notebook(run, 'nb-exempt')).toMatchObject({ status: 'InService', platformRelease: '2026.08' });
    expect(notebook(run, 'nb-stopped')).toMatchObject({ status: 'Stopped', lifecycleConfigName: 'lc-v2' });
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', lifecycleConfigName: 'lc-v2' });
    // Only nb-1 was running and went down; the stopped one does not count.
    expect(run.result.executions[0]!.stats.maxNotebooksDown).toBe(1);
  });

  it('restores the lifecycle config when the start fails with the new one, restarts and reports rolled-back', async () => {
    const fleet = fleetOf(`${running(['nb-1'])}
  - { name: nb-2, status: InService, lifecycleConfigName: lc-v1, behavior: { failStartsWithLifecycleConfig: lc-v2 } }`);
    const run = await runFleet(fleet, [
      patchRequested({ targets: { names: ['nb-1', 'nb-2'] }, settings: { lifecycleConfigName: 'lc-v2' } }),
    ]);
    const output = run.result.executions[0]!.output as {
      notebooks: Array<{ name: string; outcome: string; failureReason?: string; lifecycleLog?: string }>;
    };
    const nb2 = output.notebooks.find((n) => n.name === 'nb-2')!;
    expect(nb2.outcome).toBe('rolled-back');
    expect(nb2.failureReason).toMatch(/took longer than 5 minutes/);
    expect(nb2.lifecycleLog).toBe('/aws/sagemaker/NotebookInstances/nb-2/LifecycleConfigOnStart');
    expect(notebook(run, 'nb-2')).toMatchObject({ status: 'InService', lifecycleConfigName: 'lc-v1' });
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', lifecycleConfigName: 'lc-v2' });
  });

  it('gives up on a notebook stuck in Stopping, reports it, and finishes the others', async () => {
    const fleet = fleetOf(`${running(['nb-1', 'nb-2'])}
  - { name: nb-stuck, status: InService, behavior: { stuckStopping: true } }`);
    const run = await runFleet(fleet, [patchRequested({ targets: { names: ['nb-1', 'nb-2', 'nb-stuck'] } })]);
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-2': 'patched', 'nb-stuck': 'needs-attention' });
    const stuck = (
      run.result.executions[0]!.output as { notebooks: Array<{ name: string; reason?: string }> }
    ).notebooks.find((n) => n.name === 'nb-stuck');
    expect(stuck?.reason).toMatch(/still Stopping/);
    expect(run.result.executions[0]!.status).toBe('SUCCEEDED');
  });

  it('rides out 30% throttling without a single failure', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `nb-${i + 1}`);
    const faults =
      'faults:\n  throttle: { DescribeNotebookInstance: 0.3, StopNotebookInstance: 0.3, StartNotebookInstance: 0.3, ListNotebookInstances: 0.3, ListTags: 0.3 }';
    const run = await runFleet(fleetOf(running(names), faults), [
      patchRequested({ targets: { tags: { 'patch-group': 'weekly' } } }),
    ]);
    expect(Object.values(outcomes(run))).toEqual(names.map(() => 'patched'));
    const calls = run.result.executions[0]!.stats.sagemakerCalls;
    // Throttled calls were retried: more attempts than the 8 stops a fault-free window needs.
    expect(calls.StopNotebookInstance).toBeGreaterThan(8);
  });

  it('never has more notebooks down than maxConcurrency', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `nb-${i + 1}`);
    const run = await runFleet(fleetOf(running(names)), [
      patchRequested({ targets: { names }, policy: { maxConcurrency: 3 } }),
    ]);
    expect(run.result.executions[0]!.stats.maxNotebooksDown).toBe(3);
    expect(Object.values(outcomes(run)).every((o) => o === 'patched')).toBe(true);
  });

  it('stops admitting notebooks once maxErrors is exceeded, and leaves the rest untouched', async () => {
    const fleet = fleetOf(`  - { name: nb-1, status: InService, behavior: { failStarts: 9 } }
${running(['nb-2', 'nb-3', 'nb-4'])}`);
    const run = await runFleet(fleet, [
      patchRequested({
        targets: { names: ['nb-1', 'nb-2', 'nb-3', 'nb-4'] },
        policy: { maxConcurrency: 1, maxErrors: 0 },
      }),
    ]);
    expect(outcomes(run)).toEqual({
      'nb-1': 'failed',
      'nb-2': 'not-started',
      'nb-3': 'not-started',
      'nb-4': 'not-started',
    });
    expect(run.result.executions[0]!.stats.sagemakerCalls.StopNotebookInstance).toBe(1);
    expect(notebook(run, 'nb-2')).toMatchObject({ status: 'InService', platformRelease: '2026.08' });
  });

  it('retries a start that failed for capacity and reports the notebook patched', async () => {
    const fleet = fleetOf(`  - { name: nb-1, status: InService, behavior: { failStarts: 1 } }`);
    const run = await runFleet(fleet, [patchRequested({ targets: { names: ['nb-1'] } })]);
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
    expect(run.result.executions[0]!.stats.sagemakerCalls.StartNotebookInstance).toBe(2);
  });

  it('starts a Failed notebook and reports it', async () => {
    const run = await runFleet(fleetOf(`  - { name: nb-1, status: Failed }`), [
      patchRequested({ targets: { names: ['nb-1'] } }),
    ]);
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
    expect(notebook(run, 'nb-1').status).toBe('InService');
  });

  it('plans without changing anything in a dry run', async () => {
    const run = await runFleet(fleetOf(running(['nb-1', 'nb-2'])), [
      patchRequested({ targets: { names: ['nb-1', 'nb-2'] }, policy: { dryRun: true } }),
    ]);
    expect(run.result.executions[0]!.output).toMatchObject({
      dryRun: true,
      plan: [
        { name: 'nb-1', reason: expect.stringMatching(/would be stopped/) },
        { name: 'nb-2', reason: expect.stringMatching(/would be stopped/) },
      ],
    });
    expect(mutatingCalls(run)).toBe(0);
  });

  it('rejects a bad request naming the field, starts nothing and changes nothing', async () => {
    const run = await runFleet(fleetOf(running(['nb-1'])), [
      patchRequested({ targets: { names: ['nb-1'] }, settings: { rootAccess: 'Off' } }),
    ]);
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      { index: 0, errors: [expect.objectContaining({ field: 'detail.settings.rootAccess' })] },
    ]);
    expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Request Rejected']);
    expect(mutatingCalls(run)).toBe(0);
  });

  it('refuses a lifecycle config that does not exist before its first change, and says so on the bus', async () => {
    const run = await runFleet(fleetOf(running(['nb-1'])), [
      patchRequested({ targets: { names: ['nb-1'] }, settings: { lifecycleConfigName: 'lc-v3' } }),
    ]);
    expect(run.result.executions[0]).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'rejected' } });
    const rejected = run.result.events.find((e) => e['detail-type'] === 'Request Rejected');
    expect(rejected?.detail).toMatchObject({
      errors: [
        { field: 'settings.lifecycleConfigName', message: expect.stringMatching(/lc-v3.*does not exist/) },
      ],
    });
    expect(run.result.events.map((e) => e['detail-type'])).toContain('Notebook Patch Completed');
    expect(mutatingCalls(run)).toBe(0);
  });

  it('reports a deleted notebook named in the targets as not found', async () => {
    const run = await runFleet(fleetOf(running(['nb-1'])), [
      patchRequested({ targets: { names: ['nb-1', 'nb-gone'] } }),
    ]);
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-gone': 'not-found' });
  });

  it('starts one execution for a request delivered twice', async () => {
    const event = patchRequested(
      { targets: { names: ['nb-1'] } },
      { id: 'b9b6a1c2-0000-4000-8000-000000000001' },
    );
    const run = await runFleet(fleetOf(running(['nb-1'])), [event, event]);
    expect(run.result.executions).toHaveLength(1);
    expect(run.result.executions[0]!.stats.sagemakerCalls.StopNotebookInstance).toBe(1);
  });

  it('lets the first of two windows racing for one notebook patch it, and the other wait and find it patched', async () => {
    const first = patchRequested({ targets: { names: ['nb-1'] } }, { id: 'race-first' });
    const second = patchRequested(
      { targets: { names: ['nb-1'] }, reason: 'another ticket' },
      { id: 'race-second' },
    );
    const run = await runFleet(fleetOf(running(['nb-1'])), [first, second]);
    const outcomesOf = run.result.executions.map((_, i) => outcomes(run, i)['nb-1']).sort();
    expect(outcomesOf).toEqual(['already-patched', 'patched']);
    expect(notebook(run, 'nb-1')).toMatchObject({
      status: 'InService',
      platformRelease: '2026.11',
      stops: 1,
      starts: 1,
    });
  });

  it('never leaves a notebook down silently when SageMaker keeps failing its start', async () => {
    // Prepare: every StartNotebookInstance answers 500 InternalFailure, through every retry.
    const fleet = fleetOf(running(['nb-1']), 'faults:\n  serverErrors: { StartNotebookInstance: 1 }');
    // Act
    const run = await runFleet(fleet, [patchRequested({ targets: { names: ['nb-1'] } })]);
    // Assess
    const [nb] = (
      run.result.executions[0]!.output as { notebooks: Array<{ outcome: string; reason?: string }> }
    ).notebooks;
    expect(nb).toMatchObject({ outcome: 'needs-attention', status: 'Stopped' });
    expect(nb!.reason).toMatch(/did not start it[\s\S]*InternalFailure[\s\S]*left Stopped/);
    expect(notebook(run, 'nb-1').status).toBe('Stopped');
    expect(run.result.events[0]!.detail).toMatchObject({ counts: { 'needs-attention': 1 } });
  });
});

describe('every window reports, whatever happens to it', () => {
  it('reports a window whose report step fails, through the execution status-change rule, once', async () => {
    // Prepare: the report step fails with an error nobody retries, once per caller: the execution FAILS, and
    // the status-change rule's invocation of the same function (Lambda retries it) reports the window.
    const fleet = fleetOf(
      running(['nb-1', 'nb-2']),
      'faults:\n  lambda:\n    notebook/report: { error: States.Runtime, when: before-call, times: 1 }',
    );
    // Act
    const run = await runFleet(fleet, [patchRequested({ targets: { names: ['nb-1', 'nb-2'] } })]);
    // Assess
    expect(run.result.executions[0]).toMatchObject({ status: 'FAILED' });
    const completed = run.result.events.filter((e) => e['detail-type'] === 'Notebook Patch Completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail).toMatchObject({
      requestId: run.result.executions[0]!.name,
      outcome: 'failed',
      error: expect.stringMatching(/ended FAILED before its report/),
      counts: { patched: 2 },
    });
  });
});

describe('the audit', () => {
  it('reports a notebook a window left down, and patches it when its group says so', async () => {
    // Prepare: a window leaves nb-1 Failed (every start fails for capacity); the next day its failStarts are
    // spent and the audit's patch starts it again.
    const config = parseConfig(
      `mode: act\npatchGroups:\n  - name: weekly\n    targets: { tags: { patch-group: weekly } }\n    schedule: { cron: '0 3 * * 0', timezone: UTC }\n    auditStartsPatch: true\n`,
      'audit.yml',
    );
    const fleet = parseFleet(
      fleetOf(
        `  - { name: nb-1, status: InService, tags: { patch-group: weekly }, behavior: { failStarts: 7 } }`,
      ),
      'audit-fleet.yml',
    );
    // Act
    const run = await runSandbox(fleet, [patchRequested({ targets: { names: ['nb-1'] } })], {
      invocations: [auditInvocation(config, '2026-11-24T06:00:00Z', fleet.start)],
    });
    // Assess
    const overdue = run.result.events.find((e) => e['detail-type'] === 'Notebook Patch Overdue');
    expect(overdue?.detail).toMatchObject({
      notebook: 'nb-1',
      patchGroup: 'weekly',
      leftDown: { requestId: run.result.executions[0]!.name, status: 'Failed' },
      patchRequestId: 'audit-weekly-20261124T0600Z',
    });
    expect(outcomes(run, 0)).toEqual({ 'nb-1': 'failed' });
    expect(outcomes(run, 1)).toEqual({ 'nb-1': 'patched' });
    expect(notebook(run, 'nb-1').status).toBe('InService');
  });
});
