import { describe, expect, it } from 'vitest';
import { chaosSeeds } from '../support/chaos.ts';
import {
  STRATEGIES,
  ALL_AT_ONCE,
  alarmLine,
  at,
  configLine,
  endpointFleet,
  endpointOutput,
  endpointState,
  updateRequested,
} from '../support/endpoints.ts';
import { deployments, endpointGuarantees } from '../support/invariants.ts';
import { runFleet } from '../support/sandbox.ts';
import type { SandboxRun } from '../../sandbox/runner.ts';

/**
 * One deployment per endpoint, and no configuration pulled from under a deployment, when endpoints share
 * configurations and instance quotas, and when requests for one endpoint come close together. Each
 * scenario runs over several seeds (its timings and `faults.seed`); every endpoint guarantee is checked on
 * every run (test/support/invariants.ts).
 */

/** The outputs of a run's executions by request id (the event id the execution is named after). */
const outputsOf = (run: SandboxRun) =>
  new Map(run.result.executions.map((e, i) => [e.name.replace(/^update-/, ''), endpointOutput(run, i)]));

describe.each(chaosSeeds())('endpoints that share configurations and quotas, seed %i', (seed) => {
  it('prunes on both endpoints of shared configurations without deleting one either uses or may roll back to', async () => {
    // Prepare: ep-1 and ep-2 move through the same configurations, keeping one each; ep-2's third bake
    // alarms (when, by the seed), so its rollback needs cfg-v3 while ep-1's deployments prune their history,
    // and ep-1 finally goes back to cfg-v3, which both histories hold.
    const jitter = (k: number) => ((seed * 37 + k * 11) % 7) * 40;
    const alarmAt = 2300 + jitter(9);
    const fleet = endpointFleet({
      endpoints: [
        ['ep-1', 'cfg-v1'],
        ['ep-2', 'cfg-v1'],
      ],
      configs: ['cfg-v1', 'cfg-v2', 'cfg-v3', 'cfg-v4', 'cfg-v5'].map((c) => configLine(c, 2)),
      alarms: [
        alarmLine('ep-1'),
        alarmLine(
          'ep-2',
          `, flips: [{ atSeconds: ${alarmAt}, state: ALARM }, { atSeconds: ${alarmAt + 120}, state: OK }]`,
        ),
      ],
      extra: `faults:\n  seed: ${seed}\n  throttle: { DescribeEndpoint: 0.2, ListEndpoints: 0.2 }`,
    });
    let n = 0;
    const deploy = (endpoint: string, target: string, seconds: number, bakeSeconds = 120) =>
      updateRequested(
        {
          endpointName: endpoint,
          targetEndpointConfigName: target,
          alarms: [`caretaker-${endpoint}-5xx`],
          deployment: ALL_AT_ONCE,
          retainConfigs: 1,
          bakeSeconds,
        },
        at(seconds),
        `${endpoint}-${target}-${++n}-${seed}`,
      );
    // Act
    const run = await runFleet(fleet, [
      deploy('ep-1', 'cfg-v2', jitter(1)),
      deploy('ep-2', 'cfg-v2', jitter(2)),
      deploy('ep-1', 'cfg-v3', 600 + jitter(3)),
      deploy('ep-2', 'cfg-v3', 600 + jitter(4)),
      deploy('ep-2', 'cfg-v4', 1200 + jitter(5), 2400),
      deploy('ep-1', 'cfg-v4', 1300 + jitter(6)),
      deploy('ep-1', 'cfg-v5', 1900 + jitter(7)),
      deploy('ep-1', 'cfg-v3', 2500 + jitter(8)),
    ]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    const outputs = outputsOf(run);
    expect(outputs.get(`ep-2-cfg-v4-5-${seed}`)).toMatchObject({
      outcome: 'rolled-back',
      liveEndpointConfigName: 'cfg-v3',
    });
    expect(endpointState(run, 'ep-2')).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v3' });
    expect(endpointState(run, 'ep-1')).toMatchObject({ status: 'InService', endpointConfigName: 'cfg-v3' });
    expect([...outputs.values()].map((o) => o.outcome)).not.toContain('failed');
    // Pruning happened: each endpoint keeps its live configuration and the one it replaced.
    expect(run.result.fleet.endpointConfigs.length).toBeLessThan(5);
  });

  it.each(STRATEGIES)(
    'deploys %s into a quota that fits it exactly, and rolls back within it when the bake alarms',
    async (strategy, deployment) => {
      // Prepare: ep-2 holds 2 instances of the type; ep-1 runs 4 and its deployment needs room for exactly
      // what the quota leaves (blue/green: 4 more; rolling: 1 batch). The bake alarms on odd seeds.
      const rolling = strategy === 'rolling';
      const quota = 2 + 4 + (rolling ? 1 : 4);
      const fleet = endpointFleet({
        endpoints: [
          ['ep-1', 'cfg-v1'],
          ['ep-2', 'cfg-small'],
        ],
        configs: [...['cfg-v1', 'cfg-v2'].map((c) => configLine(c)), configLine('cfg-small', 2)],
        alarms: [
          seed % 2 === 1
            ? alarmLine('ep-1', `, flips: [{ atSeconds: ${600 + 10 * (seed % 30)}, state: ALARM }]`)
            : alarmLine('ep-1'),
          alarmLine('ep-2'),
        ],
        extra: `quotas: { ml.m5.large: ${quota} }\nfaults:\n  seed: ${seed}\n  lostResponses: { UpdateEndpoint: 0.3 }`,
      });
      // Act
      const run = await runFleet(fleet, [
        updateRequested({ deployment, bakeSeconds: 900 }, at(0), `quota-${strategy}-${seed}`),
      ]);
      // Assess
      expect(endpointGuarantees(run)).toEqual([]);
      expect(endpointOutput(run)).toMatchObject(
        seed % 2 === 1
          ? { outcome: 'rolled-back', liveEndpointConfigName: 'cfg-v1' }
          : { outcome: 'succeeded', liveEndpointConfigName: 'cfg-v2' },
      );
      expect(run.journal.filter((e) => e.outcome === 'ResourceLimitExceeded')).toEqual([]);
    },
  );

  it('refuses in preflight a deployment whose quota is one instance short, changing nothing', async () => {
    // Prepare: the blue/green deployment needs 4 + 4, its rollback as many; the quota holds one less.
    const fleet = endpointFleet({ extra: `quotas: { ml.m5.large: 7 }\nfaults:\n  seed: ${seed}` });
    // Act
    const run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE }, at(0), `short-${seed}`)]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    expect(endpointOutput(run)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/quota|for endpoint usage is 7/),
    });
    expect(deployments(run)).toEqual([]);
  });
});

describe.each(chaosSeeds())('requests for one endpoint close together, seed %i', (seed) => {
  const GAPS = [0, 1, 5, 30, 60, 119, 120, 121, 300, 420, 421, 450, 600, 900];

  it('runs at most one deployment at a time, and the other request is refused or runs after it', async () => {
    // Prepare: the first deployment is live ~120 s in and bakes 300 s; the second request comes `gap` later.
    const gap = GAPS[seed % GAPS.length]!;
    const fleet = endpointFleet({
      extra: `faults:\n  seed: ${seed}\n  lostResponses: { UpdateEndpoint: 0.3 }`,
    });
    const first = updateRequested({ deployment: ALL_AT_ONCE, bakeSeconds: 300 }, at(0), `first-${seed}`);
    const second = updateRequested(
      { targetEndpointConfigName: 'cfg-v3', deployment: ALL_AT_ONCE, bakeSeconds: 300 },
      at(gap),
      `second-${seed}`,
    );
    // Act: the first request is also delivered twice, as EventBridge may do.
    const run = await runFleet(fleet, [first, second, first]);
    // Assess
    expect(endpointGuarantees(run)).toEqual([]);
    const outputs = outputsOf(run);
    expect(run.result.executions).toHaveLength(2);
    expect(outputs.get(`first-${seed}`)?.outcome).toBe('succeeded');
    const later = outputs.get(`second-${seed}`)!;
    if (later.outcome === 'rejected') {
      expect(later.reason).toMatch(/in flight|has held endpoint ep-1|holds endpoint ep-1/);
      expect(endpointState(run)).toMatchObject({ endpointConfigName: 'cfg-v2' });
    } else {
      expect(later).toMatchObject({ outcome: 'succeeded', previousEndpointConfigName: 'cfg-v2' });
      expect(endpointState(run)).toMatchObject({ endpointConfigName: 'cfg-v3' });
    }
  });
});
