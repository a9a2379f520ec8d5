import { describe, expect, it } from 'vitest';
import { caretaker, caretakerInProcess, files } from '../support/cli.ts';
import { patchRequested } from '../support/sandbox.ts';

const fleet = `start: 2026-11-23T02:00:00Z
notebooks:
  - { name: nb-1 }
  - { name: nb-2, status: Stopped }
`;

/**
 * `caretaker sandbox run` on the files written by `files({ 'fleet.yml', 'event.json' })`, as a process: only a
 * process shows that nothing else (a logger, a warning) reaches its stdout.
 */
const sandboxRun = (f: Record<string, string>, ...extra: string[]) =>
  caretaker(['sandbox', 'run', '--fleet', f['fleet.yml']!, '--event', f['event.json']!, ...extra]);
/** The same in-process, for everything else. */
const sandboxRunHere = (f: Record<string, string>, ...extra: string[]) =>
  caretakerInProcess(['sandbox', 'run', '--fleet', f['fleet.yml']!, '--event', f['event.json']!, ...extra]);

describe('caretaker sandbox run', () => {
  it('prints exactly one JSON document of the contract with --json', async () => {
    // Prepare
    const f = await files({
      'fleet.yml': fleet,
      'event.json': patchRequested({ targets: { names: ['nb-1', 'nb-2'] } }),
    });
    // Act
    const { code, stdout } = await sandboxRun(f, '--json');
    // Assess
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc).sort()).toEqual([
      'events',
      'executions',
      'fleet',
      'ignoredEvents',
      'maxNotebooksDown',
      'rejectedEvents',
    ]);
    expect(doc.maxNotebooksDown).toBe(1);
    expect(doc.executions[0]).toMatchObject({ stateMachine: 'notebook-patch', status: 'SUCCEEDED' });
    expect(doc.executions[0].output.notebooks).toEqual([
      expect.objectContaining({ name: 'nb-1', outcome: 'patched' }),
      expect.objectContaining({ name: 'nb-2', outcome: 'settings-applied' }),
    ]);
    expect(Object.keys(doc.executions[0].stats).sort()).toEqual([
      'lambdaInvocations',
      'largestPayloadBytes',
      'maxNotebooksDown',
      'sagemakerCalls',
      'transitions',
      'virtualSeconds',
    ]);
    expect(doc.fleet.notebooks[0]).toEqual({
      name: 'nb-1',
      status: 'InService',
      instanceType: 'ml.t3.medium',
      platformRelease: '2026.11',
      lifecycleConfigName: null,
      rootAccess: 'Enabled',
      volumeSizeInGB: 5,
      platformIdentifier: 'notebook-al2-v3',
      minimumInstanceMetadataServiceVersion: '1',
      stops: 1,
      starts: 1,
    });
  });

  it('shows progress and a summary table without --json', async () => {
    const f = await files({
      'fleet.yml': fleet,
      'event.json': patchRequested({ targets: { names: ['nb-1'] } }),
    });
    const { code, stdout } = await sandboxRunHere(f);
    expect(code).toBe(0);
    expect(stdout).toMatch(/event 0 \(Notebook Patch Requested\): started request-/);
    expect(stdout).toMatch(/nb-1\s+patched/);
  });

  it('exits 2 naming the file and the field for a bad fleet file', async () => {
    const f = await files({
      'fleet.yml': 'notebooks:\n  - { name: nb-1, behavior: { stopSeconds: -5 } }\n',
      'event.json': patchRequested({ targets: { names: ['nb-1'] } }),
    });
    const { code, stdout, stderr } = await sandboxRunHere(f, '--json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('fleet.yml');
    expect(stderr).toMatch(/notebooks\[0\]\.behavior\.stopSeconds/);
  });

  it('exits 2 naming the file and the field for a bad event file', async () => {
    const f = await files({ 'fleet.yml': fleet, 'event.json': { source: 'caretaker.requests', detail: {} } });
    const { code, stderr } = await sandboxRunHere(f, '--json');
    expect(code).toBe(2);
    expect(stderr).toMatch(/event\.json: detail-type/);
  });

  it('exits 2 for an event file that is not JSON', async () => {
    const f = await files({ 'fleet.yml': fleet, 'event.json': '{ not json' });
    const { code, stderr } = await sandboxRunHere(f);
    expect(code).toBe(2);
    expect(stderr).toMatch(/event\.json: not valid JSON/);
  });
});
