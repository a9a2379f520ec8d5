import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent } from '../../sandbox/runner.ts';
import { auditInvocation, scheduleInvocation } from '../../sandbox/schedules.ts';
import { mutatingCalls, notebook, outcomes, patchRequested } from '../support/sandbox.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sample = (file: string): SandboxEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../events/samples', file), 'utf8')) as SandboxEvent;

const START = '2026-11-23T02:00:00Z';
const at = (days: number) => new Date(Date.parse(START) + days * 86_400_000).toISOString();

const fleet = (notebooks: string) =>
  parseFleet(
    `
start: ${START}
platformRelease: "2026.11"
lifecycleConfigs: [lc-v1]
notebooks:
${notebooks}
`,
    'inline.yml',
  );

const ROOTED =
  fleet(`  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-2, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }`);

const config = parseConfig(
  `
mode: act
defaults:
  timezone: Europe/Berlin
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0' }
    policy: { maxConcurrency: 2, maxErrors: 1 }
    maxDaysWithoutRestart: 14
    auditStartsPatch: true
`,
  'inline-caretaker.yml',
);

/** A sample event delivered at another time (a re-import of the same finding, say). */
const redelivered = (event: SandboxEvent, time: string, id: string): SandboxEvent => ({ ...event, id, time });

describe('Security Hub and Config triggers on the sandbox', () => {
  it.each([
    ['a consolidated', 'securityhub-sagemaker3-consolidated.json', 'aws.securityhub'],
    ['a per-standard', 'securityhub-sagemaker3-per-standard.json', 'aws.securityhub'],
    ['a Config NON_COMPLIANT', 'config-root-access-noncompliant.json', 'aws.config'],
  ])(
    'disables root access on nb-1 for %s root-access finding and leaves it running',
    async (_, file, source) => {
      // Prepare
      const event = sample(file);

      // Act
      const run = await runSandbox(ROOTED, [event]);

      // Assess
      expect(run.result.executions).toHaveLength(1);
      expect(run.result.executions[0]).toMatchObject({
        stateMachine: 'notebook-patch',
        status: 'SUCCEEDED',
        trigger: { source, detailType: event['detail-type'] },
      });
      expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
      expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled' });
      expect(notebook(run, 'nb-2')).toMatchObject({ status: 'InService', rootAccess: 'Enabled' });
      expect(run.result.ignoredEvents).toEqual([]);
      expect(run.result.rejectedEvents).toEqual([]);
    },
  );

  it('reports a SageMaker.1 finding as not remediable and changes nothing', async () => {
    // Act
    const run = await runSandbox(ROOTED, [sample('securityhub-sagemaker1-direct-internet.json')]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(mutatingCalls(run)).toBe(0);
    const reported = run.result.events.filter((e) => e['detail-type'] === 'Finding Not Remediable');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      source: 'caretaker',
      detail: { origin: 'securityhub', control: 'SageMaker.1', notebook: 'nb-1' },
    });
    expect((reported[0]!.detail as Json).reason).toMatch(/direct internet access/);
    expect(run.result.ignoredEvents).toEqual([]);
  });

  it('starts one execution when the same finding is imported twice, during and after the first', async () => {
    // Prepare
    const first = sample('securityhub-sagemaker3-consolidated.json');
    const updated = redelivered(first, at(0.001), 'second-import');
    const muchLater = redelivered(first, at(1), 'third-import');

    // Act
    const run = await runSandbox(ROOTED, [first, updated, muchLater]);

    // Assess
    expect(run.result.executions).toHaveLength(1);
    expect(run.calls.sagemaker?.StopNotebookInstance).toBe(1);
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled' });
  });

  it('starts one execution when the same Config evaluation is notified twice', async () => {
    // Prepare
    const first = sample('config-root-access-noncompliant.json');
    const again = redelivered(first, at(1), 'renotified');
    (again.detail as Json).notificationCreationTime = at(1);

    // Act
    const run = await runSandbox(ROOTED, [first, again]);

    // Assess
    expect(run.result.executions.map((e) => e.name)).toHaveLength(1);
  });

  it('reports passed, archived and other-resource findings as ignored events with the reason', async () => {
    // Prepare
    const bucket = sample('securityhub-sagemaker3-consolidated.json');
    (bucket.detail as Json).findings[0].Resources[0].Type = 'AwsS3Bucket';

    // Act
    const run = await runSandbox(ROOTED, [
      sample('securityhub-sagemaker3-passed.json'),
      sample('securityhub-sagemaker3-archived.json'),
      bucket,
      sample('config-root-access-compliant.json'),
    ]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(mutatingCalls(run)).toBe(0);
    expect(run.result.ignoredEvents.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    const [passed, archived, other, compliant] = run.result.ignoredEvents.map((e) => e.reason);
    expect(passed).toMatch(
      /detail\.findings\[0\]\.Compliance\.Status is "PASSED", the rule wants \["FAILED"\]/,
    );
    expect(archived).toMatch(/detail\.findings\[0\]\.RecordState is "ARCHIVED"/);
    expect(other).toMatch(/detail\.findings\[0\]\.Resources\[0\]\.Type is "AwsS3Bucket"/);
    expect(compliant).toMatch(/complianceType is "COMPLIANT"/);
  });

  it('starts one request per notebook for an event with many findings, and leaves the passed one alone', async () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    const [failed] = (event.detail as Json).findings as Json[];
    const about = (finding: Json, notebook: string, status: string): Json => {
      const copy = structuredClone(finding);
      copy.Id = `${String(finding.Id)}-${notebook}`;
      copy.Resources[0].Id = `arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/${notebook}`;
      copy.Resources[0].Details.AwsSageMakerNotebookInstance.NotebookInstanceName = notebook;
      copy.Compliance.Status = status;
      return copy;
    };
    (event.detail as Json).findings = [
      about(failed!, 'nb-1', 'FAILED'),
      about(failed!, 'nb-2', 'FAILED'),
      about(failed!, 'nb-3', 'PASSED'),
    ];
    const world = fleet(`  - { name: nb-1, status: InService, rootAccess: Enabled }
  - { name: nb-2, status: InService, rootAccess: Enabled }
  - { name: nb-3, status: InService, rootAccess: Enabled }`);

    // Act
    const run = await runSandbox(world, [event]);

    // Assess
    expect(run.result.executions).toHaveLength(2);
    expect(run.result.executions.map((_, i) => outcomes(run, i))).toEqual([
      { 'nb-1': 'patched' },
      { 'nb-2': 'patched' },
    ]);
    expect(notebook(run, 'nb-3')).toMatchObject({ status: 'InService', rootAccess: 'Enabled' });
    expect(run.calls.sagemaker?.StopNotebookInstance).toBe(2);
    expect(run.result.ignoredEvents).toEqual([]);
  });

  it('rejects a malformed finding, naming the field, and changes nothing', async () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    delete (event.detail as Json).findings[0].Id;

    // Act
    const run = await runSandbox(ROOTED, [event]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      { index: 0, errors: [expect.objectContaining({ field: 'detail.findings[0].Id' })] },
    ]);
    expect(mutatingCalls(run)).toBe(0);
  });
});

describe("caretaker.yml's trust rules on the sandbox (issue 13), with the repository's caretaker.yml", () => {
  const findingAbout = (file: string, change: Json = {}): SandboxEvent => {
    const event = sample(file);
    Object.assign((event.detail as Json).findings[0], change);
    return event;
  };

  it('rejects the lc-evil request for an exempt production notebook, naming every limit, and stops nothing', async () => {
    // Prepare
    const world = parseFleet(
      `
start: ${START}
lifecycleConfigs: [lc-v1, lc-evil]
notebooks:
  - { name: prod-nb, status: InService, rootAccess: Disabled, lifecycleConfigName: lc-v1, tags: { caretaker:exempt: '', patch-group: weekly } }
`,
      'inline.yml',
    );
    const lcEvil = patchRequested({
      targets: { names: ['prod-nb'] },
      settings: { rootAccess: 'Enabled', lifecycleConfigName: 'lc-evil' },
      policy: { exemptTag: 'no-such-tag', maxErrors: '100%' },
    });

    // Act
    const run = await runSandbox(world, [lcEvil]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [
          {
            field: 'detail.settings.rootAccess',
            message: expect.stringMatching(/requests\.settings\.rootAccess allows only \["Disabled"\]/),
          },
          {
            field: 'detail.settings.lifecycleConfigName',
            message: expect.stringMatching(
              /got "lc-evil", but caretaker\.yml requests\.settings\.lifecycleConfigName allows only/,
            ),
          },
          {
            field: 'detail.policy.exemptTag',
            message: expect.stringMatching(/the exempt tag is the deployment's/),
          },
          { field: 'detail.policy.maxErrors', message: expect.stringMatching(/above the ceiling of "25%"/) },
        ],
      },
    ]);
    expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Request Rejected']);
    expect(mutatingCalls(run)).toBe(0);
    expect(notebook(run, 'prod-nb')).toMatchObject({
      status: 'InService',
      rootAccess: 'Disabled',
      lifecycleConfigName: 'lc-v1',
    });
  });

  it('ignores a finding about another account with the reason, and changes nothing', async () => {
    // Prepare
    const foreign = findingAbout('securityhub-sagemaker3-consolidated.json', {
      AwsAccountId: '999999999999',
    });

    // Act
    const run = await runSandbox(ROOTED, [foreign]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.ignoredEvents).toEqual([
      {
        index: 0,
        reason: expect.stringMatching(
          /the finding is about account "999999999999"; this deployment acts only on account "123456789012" in region "us-east-1"/,
        ),
      },
    ]);
    expect(mutatingCalls(run)).toBe(0);
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Enabled' });
  });

  it("patches a notebook whose exemption ended before the window's day, and skips one still exempt", async () => {
    // Prepare: the weekly window opens on 2026-11-29.
    const world =
      fleet(`  - { name: nb-expired, status: InService, tags: { patch-group: weekly, caretaker:exempt: until-2026-11-22 } }
  - { name: nb-dated, status: InService, tags: { patch-group: weekly, caretaker:exempt: until-2026-12-31 } }`);
    const window = scheduleInvocation(config, 'weekly', Date.parse(START));

    // Act
    const run = await runSandbox(world, [], { invocations: [window] });

    // Assess
    expect(run.result.executions[0]?.name).toBe('weekly-20261129T0200Z');
    expect(outcomes(run)).toEqual({ 'nb-expired': 'patched', 'nb-dated': 'skipped-exempt' });
    // A start is what brings a notebook the platform's new release.
    expect(notebook(run, 'nb-expired')).toMatchObject({ status: 'InService', platformRelease: '2026.11' });
    expect(notebook(run, 'nb-dated')).toMatchObject({ status: 'InService', platformRelease: '2026.08' });
    expect(run.calls.sagemaker?.StopNotebookInstance).toBe(1);
  });

  it("moves a notebook of an opted-in group (monthly-research) to the group's platform for SageMaker.8", async () => {
    // Prepare
    const world = fleet(
      `  - { name: nb-1, status: InService, platformIdentifier: notebook-al1-v1, tags: { patch-group: monthly-research } }`,
    );

    // Act
    const run = await runSandbox(world, [sample('securityhub-sagemaker8-consolidated.json')]);

    // Assess
    expect(run.result.executions).toHaveLength(1);
    expect(run.result.executions[0]).toMatchObject({
      status: 'SUCCEEDED',
      name: expect.stringMatching(/^finding-sagemaker-8-/),
    });
    // `patched` is the cycle's verdict after DescribeNotebookInstance showed the applied platform in service.
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
    expect(run.result.executions[0]?.stats.sagemakerCalls.UpdateNotebookInstance).toBe(1);
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', platformRelease: '2026.11' });
  });

  it('reports SageMaker.8 as not remediable for a notebook whose group has not opted in, and changes nothing', async () => {
    // Act
    const run = await runSandbox(ROOTED, [sample('securityhub-sagemaker8-consolidated.json')]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(mutatingCalls(run)).toBe(0);
    const [reported] = run.result.events.filter((e) => e['detail-type'] === 'Finding Not Remediable');
    expect(reported?.detail).toMatchObject({
      origin: 'securityhub',
      control: 'SageMaker.8',
      notebook: 'nb-1',
      reason: expect.stringMatching(/nb-1's patch group weekly has not opted in \(no targetPlatform\)/),
    });
  });

  it('disables root access on an exempt notebook all the same: an exemption never covers SageMaker.3', async () => {
    // Prepare
    const world = fleet(
      `  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly, caretaker:exempt: legal hold } }`,
    );

    // Act
    const run = await runSandbox(world, [sample('securityhub-sagemaker3-consolidated.json')]);

    // Assess
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched' });
    expect(notebook(run, 'nb-1')).toMatchObject({ status: 'InService', rootAccess: 'Disabled' });
  });

  it('reports, in the daily audit, a notebook exempt with no end date', async () => {
    // Prepare
    const world =
      fleet(`  - { name: nb-held, status: InService, tags: { patch-group: weekly, caretaker:exempt: legal hold, caretaker:exempt-by: alice } }
  - { name: nb-dated, status: InService, tags: { patch-group: weekly, caretaker:exempt: until-2026-12-31 } }`);
    const audit = auditInvocation(config, at(1), Date.parse(START));

    // Act
    const run = await runSandbox(world, [], { invocations: [audit] });

    // Assess
    const exempt = run.result.events.filter((e) => e['detail-type'] === 'Notebook Exempt');
    expect(exempt.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        notebook: 'nb-held',
        patchGroup: 'weekly',
        exemptTag: 'caretaker:exempt',
        value: 'legal hold',
        caretakerTags: { 'caretaker:exempt-by': 'alice' },
        until: null,
        since: null,
      }),
    ]);
  });
});

describe('requests on the sandbox', () => {
  it('rejects a bad request with the field named, puts Request Rejected and makes no mutating call', async () => {
    // Act
    const run = await runSandbox(ROOTED, [
      patchRequested({ targets: { names: ['nb-1'] }, settings: { rootAccess: 'Off' } }),
    ]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      { index: 0, errors: [expect.objectContaining({ field: 'detail.settings.rootAccess' })] },
    ]);
    expect(run.result.events.map((e) => e['detail-type'])).toEqual(['Request Rejected']);
    expect(mutatingCalls(run)).toBe(0);
  });
});

describe('schedules on the sandbox', () => {
  it('opens a weekly window as <group>-<time> and patches the whole group', async () => {
    // Prepare
    const window = scheduleInvocation(config, 'weekly', Date.parse(START));

    // Act
    const run = await runSandbox(ROOTED, [], { invocations: [window] });

    // Assess
    expect(run.result.executions).toHaveLength(1);
    expect(run.result.executions[0]).toMatchObject({
      name: 'weekly-20261129T0200Z',
      status: 'SUCCEEDED',
      trigger: { source: 'aws.scheduler', detailType: 'Scheduled Patch Window' },
    });
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-2': 'patched' });
    for (const n of run.result.fleet.notebooks)
      expect(n).toMatchObject({ status: 'InService', platformRelease: '2026.11' });
  });

  it('starts one execution when Scheduler delivers the same window twice', async () => {
    // Prepare
    const window = scheduleInvocation(config, `weekly@${at(6)}`, Date.parse(START));
    const retried = { ...window, at: window.at + 10 * 60_000 };

    // Act
    const run = await runSandbox(ROOTED, [], { invocations: [window, retried] });

    // Assess
    expect(run.result.executions.map((e) => e.name)).toEqual(['weekly-20261129T0200Z']);
    expect(run.calls.sagemaker?.StopNotebookInstance).toBe(2);
  });

  it('audits: only the notebook running past its limit is overdue, and the group patches it', async () => {
    // Prepare: nb-old last started 10 days before the run, nb-fresh is restarted on day 10, nb-off is stopped. The audit runs on day 20
    // with a 14-day limit.
    const world =
      fleet(`  - { name: nb-old, status: InService, lastStartedAt: 2026-11-13T02:00:00Z, tags: { patch-group: weekly } }
  - { name: nb-fresh, status: InService, tags: { patch-group: weekly } }
  - { name: nb-off, status: Stopped, tags: { patch-group: weekly } }
  - { name: nb-other, status: InService, tags: { patch-group: monthly } }`);
    const restart = patchRequested({ targets: { names: ['nb-fresh'] } }, { time: at(10) });
    const audit = auditInvocation(config, at(20), Date.parse(START));

    // Act
    const run = await runSandbox(world, [restart], { invocations: [audit] });

    // Assess
    const overdue = run.result.events.filter((e) => e['detail-type'] === 'Notebook Patch Overdue');
    expect(overdue.map((e) => (e.detail as Json).notebook)).toEqual(['nb-old']);
    expect(overdue[0]!.detail).toMatchObject({
      patchGroup: 'weekly',
      daysSinceStart: 30,
      maxDaysWithoutRestart: 14,
      patchRequestId: 'audit-weekly-20261213T0200Z',
    });
    // The audit asks; open-window starts the catch-up window from the audit's event.
    const auditRun = run.result.executions.find((e) => e.name === 'audit-weekly-20261213T0200Z');
    expect(auditRun).toMatchObject({
      status: 'SUCCEEDED',
      trigger: { source: 'caretaker', detailType: 'Catch-up Window Requested' },
    });
    expect(outcomes(run, run.result.executions.indexOf(auditRun!))).toEqual({ 'nb-old': 'patched' });
    expect(notebook(run, 'nb-off')).toMatchObject({ status: 'Stopped' });
  });

  it.each([1, 2, 3])(
    'starts the catch-up window once through bus and Lambda faults (seed %i)',
    async (seed) => {
      // Prepare: the audit dies after its events went out, open-window after it started the window (it
      // runs into its timeout), each once; the bus fails a seeded share of PutEvents.
      const world = parseFleet(
        `
start: ${START}
platformRelease: "2026.11"
notebooks:
  - { name: nb-old, status: InService, lastStartedAt: 2026-11-13T02:00:00Z, tags: { patch-group: weekly } }
faults:
  seed: ${seed}
  eventbridge: { serverErrors: { PutEvents: 0.3 } }
  lambda:
    triggers/audit: { error: Lambda.ServiceException, when: after-call, times: 1 }
    triggers/open-window: { error: timeout, when: after-call, times: 1 }
`,
        'inline.yml',
      );
      const audit = auditInvocation(config, at(20), Date.parse(START));

      // Act
      const run = await runSandbox(world, [], { invocations: [audit] });

      // Assess: both ran again (the window was asked for and started more than once), one window ran.
      const calls = (operation: string) => run.journal.filter((j) => j.operation === operation).length;
      expect(calls('StartExecution')).toBeGreaterThanOrEqual(2);
      expect(run.result.executions.map((e) => e.name)).toEqual(['audit-weekly-20261213T0200Z']);
      expect(outcomes(run)).toEqual({ 'nb-old': 'patched' });
      expect(notebook(run, 'nb-old')).toMatchObject({ status: 'InService', stops: 1, starts: 1 });
    },
  );

  it('starts no catch-up window from an event whose request is not valid, naming the field', async () => {
    // Prepare: a catch-up event whose request names a notebook no SageMaker name can be.
    const event = {
      source: 'caretaker',
      'detail-type': 'Catch-up Window Requested',
      detail: {
        requestId: 'audit-weekly-20261213T0200Z',
        reason: 'audit',
        source: { kind: 'audit', id: 'audit-weekly-20261213T0200Z' },
        targets: { names: ['nb_old!'] },
      },
    };

    // Act
    const run = await runSandbox(fleet('  - { name: nb-old, status: InService }'), [event]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [
          expect.objectContaining({
            field: 'targets.names[0]',
            message: expect.stringMatching(/notebook instance name/),
          }),
        ],
      },
    ]);
  });
});
