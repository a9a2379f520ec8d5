import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { TRIGGER_SETTINGS_VARIABLE, triggerSettings } from '#lib/triggers/settings';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent } from '../../sandbox/runner.ts';
import { scheduleInvocation } from '../../sandbox/schedules.ts';
import type { SandboxRun } from '../../sandbox/runner.ts';
import { mutatingCalls, notebook, outcomes } from '../support/sandbox.ts';

/** What the ledger holds queued for a notebook at the end of a run. */
const queuedOn = (run: SandboxRun, name: string) =>
  run.ledger.get('caretaker-ledger', { pk: { S: `notebook#${name}` } })?.queued?.S;

// Acting, with groups whose findings wait for their window or are only reported. The trigger functions read
// their settings once, when first loaded: set before any run.
const config = parseConfig(
  `
mode: act
defaults:
  timezone: Europe/Berlin
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0' }
    findings: next-window
  - name: audit-only
    targets: { tags: { patch-group: audit-only } }
    schedule: { cron: '0 3 * * 0' }
    findings: report-only
`,
  'caretaker.yml',
);
process.env[TRIGGER_SETTINGS_VARIABLE] = JSON.stringify(triggerSettings(config));

const START = '2026-11-24T14:00:00Z';
const world = (group: string) =>
  parseFleet(
    `
start: ${START}
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: ${group} } }
  - { name: nb-2, status: InService, rootAccess: Enabled, tags: { patch-group: ${group} } }
`,
    'fleet.yml',
  );
/** The SageMaker.3 sample about nb-1, imported on a Tuesday afternoon. */
const finding = (): SandboxEvent => ({
  ...(JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../events/samples/securityhub-sagemaker3-consolidated.json'),
      'utf8',
    ),
  ) as SandboxEvent),
  time: START,
});

describe("findings wait for their group's window (findings: next-window)", () => {
  it('queues the finding, says when it applies, and the next window applies and clears it', async () => {
    // Prepare: the finding on Tuesday afternoon, the group's window on Sunday 03:00 Berlin.
    const window = scheduleInvocation(config, 'weekly', Date.parse(START));

    // Act
    const run = await runSandbox(world('weekly'), [finding()], { invocations: [window] });

    // Assess: nothing was restarted on Tuesday; the event said Sunday; Sunday's window fixed nb-1 only.
    const noted = run.result.events.find((e) => e['detail-type'] === 'Finding Noted');
    expect(noted?.detail).toMatchObject({
      notebook: 'nb-1',
      action: 'queued',
      group: 'weekly',
      appliesAt: '2026-11-29T02:00:00.000Z',
      settings: { rootAccess: 'Disabled' },
    });
    expect(run.result.executions.map((e) => e.name)).toEqual(['weekly-20261129T0200Z']);
    const stops = run.journal.filter((j) => j.operation === 'StopNotebookInstance');
    expect(stops.every((j) => j.at >= Date.parse('2026-11-29T02:00:00Z'))).toBe(true);
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-2': 'patched' });
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled' });
    expect(notebook(run, 'nb-2')).toMatchObject({ status: 'InService', rootAccess: 'Enabled' });
    expect(
      run.result.events.find((e) => e['detail-type'] === 'Notebook Patch Completed')?.detail,
    ).toMatchObject({
      counts: { patched: 2 },
    });
  });

  it('leaves the queue for a later window when the window could not apply it', async () => {
    // Prepare: nb-1 cannot stop, so Sunday's window reports it; the queue must outlive that window.
    const stuck = parseFleet(
      `
start: ${START}
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly }, behavior: { stuckStopping: true } }
`,
      'fleet.yml',
    );
    const window = scheduleInvocation(config, 'weekly', Date.parse(START));

    // Act
    const run = await runSandbox(stuck, [finding()], { invocations: [window] });

    // Assess
    expect(outcomes(run)['nb-1']).toBe('needs-attention');
    expect(JSON.parse(queuedOn(run, 'nb-1') ?? '{}')).toMatchObject({
      group: 'weekly',
      settings: { rootAccess: 'Disabled' },
      findingIds: [expect.stringMatching(/SageMaker\.3/)],
    });
  });
});

describe('the queue of a next window (rule finding-queued)', () => {
  /** A `Finding Noted` event as the finding trigger puts it on the bus, queued for weekly. */
  const noted = (detail: Record<string, unknown> = {}): SandboxEvent => ({
    source: 'caretaker',
    'detail-type': 'Finding Noted',
    time: START,
    detail: {
      origin: 'securityhub',
      notebook: 'nb-1',
      findingIds: ['finding-1'],
      controls: ['SageMaker.3'],
      settings: { rootAccess: 'Disabled' },
      action: 'queued',
      group: 'weekly',
      ...detail,
    },
  });

  it('writes a redelivered event once, at the time the event was put', async () => {
    // Act: EventBridge delivers at least once; the same event twice.
    const run = await runSandbox(world('weekly'), [noted(), noted()]);

    // Assess
    expect(run.result.rejectedEvents).toEqual([]);
    expect(JSON.parse(queuedOn(run, 'nb-1') ?? '{}')).toEqual({
      group: 'weekly',
      settings: { rootAccess: 'Disabled' },
      findingIds: ['finding-1'],
      queuedAt: '2026-11-24T14:00:00.000Z',
    });
    expect(mutatingCalls(run)).toBe(0);
  });

  it.each([1, 2, 3])(
    'queues through bus, ledger and Lambda faults, and the window applies it once (seed %i)',
    async (seed) => {
      // Prepare: the trigger dies after its event went out and queue-finding after its write, each once;
      // the bus and the ledger fail a seeded share of calls.
      const faulty = parseFleet(
        `
start: ${START}
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }
faults:
  seed: ${seed}
  eventbridge: { serverErrors: { PutEvents: 0.3 } }
  dynamodb: { throttle: { GetItem: 0.3, UpdateItem: 0.3 } }
  lambda:
    triggers/from-finding: { error: Lambda.ServiceException, when: after-call, times: 1 }
    triggers/queue-finding: { error: Lambda.Unknown, when: after-call, times: 1 }
`,
        'fleet.yml',
      );
      const window = scheduleInvocation(config, 'weekly', Date.parse(START));

      // Act
      const run = await runSandbox(faulty, [finding()], { invocations: [window] });

      // Assess: the faults fired (the trigger and queue-finding each ran again and wrote again); nothing on
      // Tuesday; Sunday's window fixed nb-1 in one cycle and cleared the queue.
      const sunday = Date.parse('2026-11-29T02:00:00Z');
      const beforeSunday = (operation: string) =>
        run.journal.filter((j) => j.operation === operation && j.outcome === 'ok' && j.at < sunday);
      expect(beforeSunday('PutEvents').length).toBeGreaterThanOrEqual(2);
      expect(beforeSunday('UpdateItem').length).toBeGreaterThanOrEqual(2);
      const stops = run.journal.filter((j) => j.operation === 'StopNotebookInstance' && j.outcome === 'ok');
      expect(stops.map((j) => j.at >= sunday)).toEqual([true]);
      expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
      expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled' });
      expect(queuedOn(run, 'nb-1')).toBeUndefined();
    },
  );

  it('refuses a queued finding whose settings are not valid, naming the field, and queues nothing', async () => {
    // Act
    const run = await runSandbox(world('weekly'), [noted({ settings: { rootAccess: 'Sometimes' } })]);

    // Assess
    expect(run.result.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [
          expect.objectContaining({
            field: 'detail.settings.rootAccess',
            message: expect.stringMatching(/Enabled.*Disabled/),
          }),
        ],
      },
    ]);
    expect(queuedOn(run, 'nb-1')).toBeUndefined();
  });

  it('leaves a reported finding to its event: only queued ones reach the ledger', async () => {
    // Act
    const run = await runSandbox(world('weekly'), [noted({ action: 'reported' })]);

    // Assess
    expect(run.result.ignoredEvents).toEqual([
      { index: 0, reason: expect.stringMatching(/finding-queued: .*action/) },
    ]);
    expect(queuedOn(run, 'nb-1')).toBeUndefined();
  });
});

describe('findings only reported (findings: report-only)', () => {
  it('notes the finding and changes nothing, at once or later', async () => {
    // Act
    const run = await runSandbox(world('audit-only'), [finding()]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(mutatingCalls(run)).toBe(0);
    expect(run.result.events.find((e) => e['detail-type'] === 'Finding Noted')?.detail).toMatchObject({
      notebook: 'nb-1',
      action: 'reported',
      group: 'audit-only',
      reason: expect.stringMatching(/report-only/),
    });
  });
});
