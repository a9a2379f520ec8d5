import { describe, expect, it } from 'vitest';
import { chaosSeeds, fleetYaml, runningNotebooks } from '../support/chaos.ts';
import { cyclesPerNotebook, notebookGuarantees, peakDown } from '../support/invariants.ts';
import { outcomes, patchRequested, runFleet } from '../support/sandbox.ts';

/**
 * Nothing stranded, under the faults issue 11 measured: a Lambda step that fails after its Stop took effect
 * (retried by the ASL), one that crashes or times out after it, answers lost after the call acted. Each
 * scenario runs over several seeds (`faults.seed`); every safety guarantee is checked on every run.
 */
const N = 20;
const window = (extra: Record<string, unknown> = {}) =>
  patchRequested({
    targets: { tags: { 'patch-group': 'weekly' } },
    policy: { maxConcurrency: 5, maxErrors: '25%' },
    ...extra,
  });

describe.each(chaosSeeds())('nothing stranded under faults, seed %i', (seed) => {
  it('leaves no notebook stopped when the stop step fails after its Stop took effect (retried by the ASL)', async () => {
    // Prepare: half the stop steps answer Lambda.ServiceException after StopNotebookInstance took effect.
    const fleet = fleetYaml(
      runningNotebooks(N),
      `faults:\n  seed: ${seed}\n  lambda:\n    notebook/stop: { error: Lambda.ServiceException, when: after-call, rate: 0.5 }`,
    );
    // Act
    const run = await runFleet(fleet, [window()]);
    // Assess
    expect(notebookGuarantees(run)).toEqual([]);
    expect(Object.values(outcomes(run))).toEqual(Array(N).fill('patched'));
    expect(run.result.fleet.notebooks.every((n) => n.status === 'InService' && n.stops === 1)).toBe(true);
    expect(peakDown(run, run.result.executions[0]!.name)).toBeLessThanOrEqual(5);
  });

  it('leaves no notebook stopped when a step crashes or times out after its call took effect', async () => {
    const fleet = fleetYaml(
      runningNotebooks(N),
      `faults:
  seed: ${seed}
  lambda:
    notebook/stop: { error: timeout, when: after-call, rate: 0.3 }
    notebook/check: { error: Lambda.Unknown, when: after-call, rate: 0.2 }`,
    );
    const run = await runFleet(fleet, [window()]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(run.result.fleet.notebooks.every((n) => n.status === 'InService')).toBe(true);
    expect(Object.values(outcomes(run)).every((o) => o === 'patched')).toBe(true);
  });

  it('carries on from lost Stop, Update and Start answers, and applies the settings once', async () => {
    const fleet = fleetYaml(
      runningNotebooks(N),
      `faults:
  seed: ${seed}
  lostResponses: { StopNotebookInstance: 0.3, UpdateNotebookInstance: 0.3, StartNotebookInstance: 0.3 }`,
    );
    const run = await runFleet(fleet, [window({ settings: { minimumInstanceMetadataServiceVersion: '2' } })]);
    expect(notebookGuarantees(run)).toEqual([]);
    for (const nb of run.result.fleet.notebooks)
      expect(nb).toMatchObject({
        status: 'InService',
        minimumInstanceMetadataServiceVersion: '2',
        stops: 1,
        starts: 1,
      });
    expect(Object.values(outcomes(run))).toEqual(Array(N).fill('patched'));
  });

  it('reports every window on the bus through ledger and bus faults, and strands nothing', async () => {
    const fleet = fleetYaml(
      runningNotebooks(N),
      `faults:
  seed: ${seed}
  throttle: { DescribeNotebookInstance: 0.3, ListNotebookInstances: 0.5 }
  dynamodb: { throttle: { TransactWriteItems: 0.3, UpdateItem: 0.3 }, serverErrors: { BatchGetItem: 0.1 } }
  eventbridge: { serverErrors: { PutEvents: 0.3 } }`,
    );
    const run = await runFleet(fleet, [window()]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(Object.keys(outcomes(run))).toHaveLength(N);
    expect(run.result.fleet.notebooks.every((n) => n.status === 'InService')).toBe(true);
  });

  it('keeps the new settings through capacity failures and never rolls them back for capacity', async () => {
    // One notebook in five (which ones moves with the seed) fails its first start for capacity.
    const capacity = runningNotebooks(N)
      .split('\n')
      .map((line, i) => (i % 5 === seed % 5 ? line.replace(/ }$/, ', behavior: { failStarts: 1 } }') : line))
      .join('\n');
    const run = await runFleet(fleetYaml(capacity, `faults:\n  seed: ${seed}`), [
      window({ settings: { minimumInstanceMetadataServiceVersion: '2' } }),
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    for (const nb of run.result.fleet.notebooks)
      expect(nb).toMatchObject({ status: 'InService', minimumInstanceMetadataServiceVersion: '2' });
    expect(Object.values(outcomes(run))).toEqual(Array(N).fill('patched'));
    expect([...cyclesPerNotebook(run).values()]).toEqual(Array(N).fill(1));
  });
});
