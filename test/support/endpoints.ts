import type { EndpointUpdateOutput } from '#lib/endpoint/steps';
import type { SandboxEvent, SandboxRun } from '../../sandbox/runner.ts';

/** The fleets below start here; `at(s)` is that many virtual seconds later, as an event's ISO `time`. */
export const START = Date.parse('2026-11-23T02:00:00Z');
export const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

let ids = 0;

/**
 * An `Endpoint Update Requested` event as the security team's CLI puts it (ep-1 to cfg-v2, canary, by
 * default). Its id names the execution (`update-<id>`); give one where a run must be the same every time.
 */
export function updateRequested(
  detail: Record<string, unknown> = {},
  time = at(0),
  id = `ep-req-${++ids}`,
): SandboxEvent {
  return {
    version: '0',
    id,
    source: 'caretaker.requests',
    'detail-type': 'Endpoint Update Requested',
    account: '123456789012',
    region: 'us-east-1',
    time,
    resources: [],
    detail: {
      endpointName: 'ep-1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
      alarms: ['caretaker-ep-1-5xx'],
      bakeSeconds: 600,
      ...detail,
    },
  };
}

export const ALL_AT_ONCE = { strategy: 'all-at-once' };

/** A deployment of each strategy on a 4-instance variant, with one-minute waits. */
export const STRATEGIES: Array<[name: string, deployment: Record<string, unknown>]> = [
  ['all-at-once', ALL_AT_ONCE],
  [
    'canary',
    { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 }, waitIntervalSeconds: 60 },
  ],
  [
    'linear',
    { strategy: 'linear', linearStepSize: { type: 'CAPACITY_PERCENT', value: 25 }, waitIntervalSeconds: 60 },
  ],
  [
    'rolling',
    { strategy: 'rolling', maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 }, waitIntervalSeconds: 60 },
  ],
];

/** A configuration of `count` ml.m5.large instances in one AllTraffic variant, as a fleet-file line. */
export const configLine = (name: string, count = 4, extra = '') =>
  `  - { name: ${name}, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: ${count} }]${extra} }`;

/** The alarm caretaker watches for an endpoint: its 5XX errors, by its EndpointName dimension. */
export const alarmLine = (endpoint: string, extra = '') =>
  `  - { name: caretaker-${endpoint}-5xx, dimensions: { EndpointName: ${endpoint}, VariantName: AllTraffic }${extra} }`;

/**
 * A fleet of endpoints (YAML), each InService on its first configuration, with an alarm per endpoint; the
 * configurations cfg-v1 … cfg-v4 (4 instances each) unless `configs` says otherwise.
 */
export function endpointFleet(
  options: {
    endpoints?: Array<[name: string, config: string, extra?: string]>;
    configs?: string[];
    alarms?: string[];
    extra?: string;
  } = {},
): string {
  const endpoints = options.endpoints ?? [['ep-1', 'cfg-v1']];
  const configs = options.configs ?? ['cfg-v1', 'cfg-v2', 'cfg-v3', 'cfg-v4'].map((c) => configLine(c));
  const alarms = options.alarms ?? endpoints.map(([name]) => alarmLine(name));
  return [
    'start: 2026-11-23T02:00:00Z',
    'endpointConfigs:',
    ...configs,
    'endpoints:',
    ...endpoints.map(
      ([name, config, extra]) =>
        `  - { name: ${name}, endpointConfigName: ${config}, status: InService${extra ? `, ${extra}` : ''} }`,
    ),
    'alarms:',
    ...alarms,
    options.extra ?? '',
  ].join('\n');
}

/** The output of an endpoint-update execution, by its position among the run's executions. */
export const endpointOutput = (run: SandboxRun, i = 0) =>
  run.result.executions[i]!.output as EndpointUpdateOutput;

/** The endpoint as the run left it. */
export const endpointState = (run: SandboxRun, name = 'ep-1') =>
  run.result.fleet.endpoints.find((e) => e.name === name);

/** The `Endpoint Update Completed` events of one execution (a status-change rule may add one). */
export const completedEvents = (run: SandboxRun, name: string) =>
  run.result.events.filter(
    (e) =>
      e['detail-type'] === 'Endpoint Update Completed' &&
      (e.detail as { requestId?: string }).requestId === name,
  );
