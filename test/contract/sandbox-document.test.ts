import { describe, expect, it } from 'vitest';
import { CAPACITY_FAILURE } from '../../sandbox/emulator/notebooks.ts';
import { notebook, patchRequested, runFleet } from '../support/sandbox.ts';

/**
 * The `--json` document's fleet and run-wide figures (DESIGN.md, "Sandbox contract"): `fleet.notebooks[]`
 * with volumeSizeInGB, platformIdentifier, minimumInstanceMetadataServiceVersion, failureReason (when
 * Failed), stops and starts; the top-level maxNotebooksDown over the whole run, all executions together.
 */

const fleetOf = (notebooks: string) => `
start: 2026-11-23T02:00:00Z
notebooks:
${notebooks}
`;

describe('the sandbox document', () => {
  it('counts the peak of notebooks down over the whole run, all executions together', async () => {
    // Prepare: the first window leaves nb-1 stuck in Stopping and ends (needs-attention); an hour later a
    // second window takes nb-2 down. Neither execution sees both down while it runs; the run does.
    const fleet = fleetOf(`  - { name: nb-1, behavior: { stuckStopping: true } }
  - { name: nb-2 }`);

    // Act
    const run = await runFleet(fleet, [
      patchRequested({ targets: { names: ['nb-1'] } }),
      patchRequested({ targets: { names: ['nb-2'] } }, { time: '2026-11-23T03:00:00Z' }),
    ]);

    // Assess
    expect(run.result.executions.map((e) => [e.status, e.stats.maxNotebooksDown])).toEqual([
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
    ]);
    expect(run.result.maxNotebooksDown).toBe(2);
  });

  it('lists every notebook with its settings and how many Stop and Start calls took effect on it', async () => {
    // Prepare
    const fleet = fleetOf(`  - { name: nb-1, volumeSizeInGB: 20, minimumInstanceMetadataServiceVersion: 2 }
  - { name: nb-full, behavior: { failStarts: 99 } }`);

    // Act
    const run = await runFleet(fleet, [patchRequested({ targets: { names: ['nb-1', 'nb-full'] } })]);

    // Assess
    expect(Object.keys(notebook(run, 'nb-1')).sort()).toEqual(
      [
        ...['name', 'status', 'instanceType', 'platformRelease', 'lifecycleConfigName', 'rootAccess'],
        ...[
          'volumeSizeInGB',
          'platformIdentifier',
          'minimumInstanceMetadataServiceVersion',
          'stops',
          'starts',
        ],
      ].sort(),
    );
    expect(notebook(run, 'nb-1')).toMatchObject({
      volumeSizeInGB: 20,
      minimumInstanceMetadataServiceVersion: '2',
      stops: 1,
      starts: 1,
    });
    expect(notebook(run, 'nb-full')).toMatchObject({
      status: 'Failed',
      failureReason: CAPACITY_FAILURE,
      stops: 1,
      starts: expect.any(Number),
    });
    expect(notebook(run, 'nb-full').starts).toBeGreaterThan(1);
  });

  it('stops counting a notebook deleted during the run once it is gone, and no longer lists it', async () => {
    // Prepare: nb-1 is deleted at 60 s (gone 60 s later); nb-2 is patched at 600 s.
    const fleet = fleetOf(`  - { name: nb-1, behavior: { deleteAtSeconds: 60 } }
  - { name: nb-2 }`);

    // Act
    const run = await runFleet(fleet, [
      patchRequested({ targets: { names: ['nb-2'] } }, { time: '2026-11-23T02:10:00Z' }),
    ]);

    // Assess: nb-1 was down (Deleting) from 60 s to 120 s, nb-2 from 600 s: never both at once.
    expect(run.result.maxNotebooksDown).toBe(1);
    expect(run.result.fleet.notebooks.map((n) => n.name)).toEqual(['nb-2']);
    expect(run.notebookHistory.filter((h) => h.name === 'nb-1').map((h) => h.status)).toEqual([
      'InService',
      'Deleting',
      'Deleting',
    ]);
  });
});
