import { describe, expect, it } from 'vitest';
import { chaosSeeds } from '../support/chaos.ts';
import {
  ALL_AT_ONCE,
  alarmLine,
  at,
  endpointFleet,
  endpointOutput,
  endpointState,
  updateRequested,
} from '../support/endpoints.ts';
import { deployments, endpointGuarantees } from '../support/invariants.ts';
import { runFleet } from '../support/sandbox.ts';

/**
 * No data is not a pass (DESIGN.md, "Lessons"): an alarm in INSUFFICIENT_DATA because its metric has no
 * datapoints, under each `treatMissingDataAs` of the request. The endpoint either gets no requests at all
 * (its alarm never has data), or the alarm watches the new configuration's own metric (which has data only
 * once that configuration serves). Each runs over several seeds (`faults.seed` throttles the reads, the
 * bake's length moves); every endpoint guarantee is checked on every run.
 */

const withoutTraffic = (seed: number) =>
  endpointFleet({
    endpoints: [['ep-1', 'cfg-v1', 'invocationsPerMinute: 0']],
    alarms: [alarmLine('ep-1', ', state: INSUFFICIENT_DATA')],
    extra: `faults:\n  seed: ${seed}\n  throttle: { DescribeAlarms: 0.3 }`,
  });

/**
 * An alarm on the target configuration's metric: CloudWatch publishes it once cfg-v2 takes traffic, so it has
 * no data before the deployment (from the first second on, its script says its datapoints are fine).
 */
const onTargetMetric = (seed: number) =>
  endpointFleet({
    alarms: [
      '  - { name: caretaker-ep-1-5xx, state: INSUFFICIENT_DATA, flips: [{ atSeconds: 1, state: OK }], dimensions: { EndpointName: ep-1, EndpointConfigName: cfg-v2 } }',
    ],
    extra: `faults:\n  seed: ${seed}\n  throttle: { DescribeAlarms: 0.3 }`,
  });

describe.each(chaosSeeds())('alarms without data, seed %i', (seed) => {
  const bakeSeconds = 300 + (seed % 5) * 60;
  const request = (treatMissingDataAs: string) =>
    updateRequested(
      { deployment: ALL_AT_ONCE, bakeSeconds, treatMissingDataAs },
      at(0),
      `no-data-${treatMissingDataAs}-${seed}`,
    );

  it('reports a bake whose alarm never had data unverified, after baking once more, under inconclusive', async () => {
    // Act
    const run = await runFleet(withoutTraffic(seed), [request('inconclusive')]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'unverified',
      noDataAlarms: ['caretaker-ep-1-5xx'],
      liveEndpointConfigName: 'cfg-v2',
    });
    expect(run.result.executions[0]!.stats.virtualSeconds).toBeGreaterThanOrEqual(120 + 2 * bakeSeconds);
  });

  it('succeeds under notBreaching, naming the alarm that never had data', async () => {
    const run = await runFleet(withoutTraffic(seed), [request('notBreaching')]);
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'succeeded',
      noDataAlarms: ['caretaker-ep-1-5xx'],
      reason: expect.stringMatching(/never had data \(treated as not breaching/),
    });
  });

  it('refuses under breaching before anything changes', async () => {
    const run = await runFleet(withoutTraffic(seed), [request('breaching')]);
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(
        /has no data \(INSUFFICIENT_DATA\) and the request treats missing data as breaching/,
      ),
    });
    expect(deployments(run)).toEqual([]);
    expect(endpointState(run)).toMatchObject({ endpointConfigName: 'cfg-v1' });
  });

  it.each([
    ['inconclusive', 'succeeded'],
    ['notBreaching', 'succeeded'],
    ['breaching', 'rejected'],
  ])(
    'judges an alarm on the new configuration’s own metric, which has data only once it serves, under %s: %s',
    async (policy, outcome) => {
      // Act
      const run = await runFleet(onTargetMetric(seed), [request(policy)]);
      // Assess: the alarm had data during the bake, so the bake proves the new configuration.
      expect(endpointGuarantees(run)).toEqual([]);
      expect(endpointOutput(run)).toMatchObject({ outcome });
      expect(endpointOutput(run).noDataAlarms).toBeUndefined();
    },
  );
});
