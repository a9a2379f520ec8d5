import { describe, expect, it } from 'vitest';
import { chaosSeeds, fleetYaml, runningNotebooks } from '../support/chaos.ts';
import { notebookGuarantees } from '../support/invariants.ts';
import { mutatingCalls, notebook, outcomes, patchRequested, runFleet } from '../support/sandbox.ts';

/**
 * Nothing is stopped for nothing (issue 11): a setting the API or the notebook cannot take is refused before
 * anything is stopped, for the whole request or for that one notebook; selection survives heavy throttling;
 * notebooks deleted or refused an update mid-cycle are reported as they are.
 */
const N = 10;
const weekly = { tags: { 'patch-group': 'weekly' } };

describe.each(chaosSeeds())('nothing stopped for nothing, seed %i', (seed) => {
  const faults = `faults:\n  seed: ${seed}`;

  it('rejects an instance type the API does not have before anything starts', async () => {
    const run = await runFleet(fleetYaml(runningNotebooks(N), faults), [
      patchRequested({ targets: weekly, settings: { instanceType: 'ml.t3.mega' } }),
    ]);
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents[0]?.errors).toEqual([
      expect.objectContaining({
        field: 'detail.settings.instanceType',
        message: expect.stringMatching(/ml\.t3\.mega/),
      }),
    ]);
    expect(mutatingCalls(run)).toBe(0);
  });

  it('never stops a notebook whose volume the request would shrink, and patches the others', async () => {
    const big = `  - { name: big-1, status: InService, volumeSizeInGB: 50, tags: { patch-group: weekly } }`;
    const run = await runFleet(fleetYaml(`${big}\n${runningNotebooks(4)}`, faults), [
      patchRequested({ targets: weekly, settings: { volumeSizeInGB: 20 } }),
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(outcomes(run)['big-1']).toBe('not-started');
    expect(notebook(run, 'big-1')).toMatchObject({ status: 'InService', stops: 0, volumeSizeInGB: 50 });
    expect(notebook(run, 'nb-01')).toMatchObject({ status: 'InService', volumeSizeInGB: 20 });
  });

  it('reports a lifecycle config that does not exist before any stop, on the bus', async () => {
    const run = await runFleet(fleetYaml(runningNotebooks(N), faults), [
      patchRequested({ targets: weekly, settings: { lifecycleConfigName: 'lc-v3' } }),
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(run.result.executions[0]?.output).toMatchObject({ outcome: 'rejected' });
    expect(mutatingCalls(run)).toBe(0);
  });

  it('selects its notebooks through heavy throttling and reports the window', async () => {
    const run = await runFleet(
      fleetYaml(
        runningNotebooks(N),
        `${faults}\n  throttle: { ListNotebookInstances: 0.6, DescribeNotebookInstance: 0.3 }`,
      ),
      [patchRequested({ targets: weekly, policy: { maxConcurrency: 5 } })],
    );
    expect(notebookGuarantees(run)).toEqual([]);
    expect(Object.values(outcomes(run))).toEqual(Array(N).fill('patched'));
  });

  it('reports a notebook deleted during its cycle as not found, and the rest patched', async () => {
    // Deleted somewhere between its stop (0–90 s) and the end of its start (≈ 390 s), moved by the seed.
    const deleted = `  - { name: gone-1, status: InService, tags: { patch-group: weekly }, behavior: { deleteAtSeconds: ${60 + ((seed * 47) % 290)} } }`;
    const run = await runFleet(fleetYaml(`${deleted}\n${runningNotebooks(3)}`, faults), [
      patchRequested({ targets: weekly }),
    ]);
    expect(notebookGuarantees(run)).toEqual([]);
    expect(outcomes(run)).toEqual({
      'gone-1': 'not-found',
      'nb-01': 'patched',
      'nb-02': 'patched',
      'nb-03': 'patched',
    });
  });

  it.each(['allowed', 'refused'])(
    'rolls back a broken lifecycle config when SageMaker has %s updates of a Failed notebook, or says it could not',
    async (updateWhenFailed) => {
      const broken = `  - { name: broken-1, status: InService, lifecycleConfigName: lc-v1, tags: { patch-group: weekly }, behavior: { failStartsWithLifecycleConfig: lc-v2 } }`;
      const run = await runFleet(
        fleetYaml(
          `${broken}\n${runningNotebooks(2)}`,
          `${faults}\nsagemaker:\n  updateWhenFailed: ${updateWhenFailed}`,
        ),
        [patchRequested({ targets: weekly, settings: { lifecycleConfigName: 'lc-v2' } })],
      );
      expect(notebookGuarantees(run)).toEqual([]);
      if (updateWhenFailed === 'allowed') {
        expect(outcomes(run)['broken-1']).toBe('rolled-back');
        expect(notebook(run, 'broken-1')).toMatchObject({
          status: 'InService',
          lifecycleConfigName: 'lc-v1',
        });
      } else {
        expect(outcomes(run)['broken-1']).toBe('needs-attention');
        expect(notebook(run, 'broken-1')).toMatchObject({ status: 'Failed', lifecycleConfigName: 'lc-v2' });
      }
    },
  );
});
