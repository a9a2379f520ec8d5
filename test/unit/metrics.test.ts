/**
 * The steps that conclude a workflow publish their counts themselves, at once, as one EMF record (no
 * middleware flushes for them). Each test loads metrics.ts afresh with Powertools' metrics switched on,
 * which the test runner otherwise turns off for quiet runs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('publishCounts', () => {
  it('writes one EMF record with every count, in the Caretaker namespace, when called', async () => {
    // Prepare: Powertools writes EMF to stdout through its own console.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.resetModules();
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    const { publishCounts } = await import('#lib/metrics');

    // Act
    publishCounts({ 'Notebooks.patched': 3, PatchWindows: 1 });

    // Assess
    const records = written.flatMap((line) => (line.includes('"_aws"') ? [JSON.parse(line)] : []));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ 'Notebooks.patched': 3, PatchWindows: 1, service: 'caretaker' });
    expect(records[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Caretaker',
      Metrics: expect.arrayContaining([
        { Name: 'Notebooks.patched', Unit: 'Count' },
        { Name: 'PatchWindows', Unit: 'Count' },
      ]),
    });
  });
});
