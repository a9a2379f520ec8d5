import type { AlarmSeed, AlarmState, Fleet } from '../fleet.ts';
import { AwsApiError, type EmittedEvent, type OperationContext, type ServiceEmulator } from './types.ts';

/**
 * CloudWatch alarms of the sandbox, spoken as the installed `@aws-sdk/client-cloudwatch` speaks them
 * (AWS JSON 1.0, `x-amzn-query-mode: true`, target `GraniteServiceVersion20100801`; the server owns the
 * wire). An alarm's state follows what its metric shows: its seed state and `flips` (scripted), the errors
 * of a config whose `behavior.alarmsWhileServing` names it while that config takes traffic, and whether the
 * endpoint its dimensions name gets any requests at all. A period without datapoints is judged by the
 * alarm's `TreatMissingData`. Every state change is recorded, shows in `DescribeAlarmHistory`, and is
 * emitted as the real `CloudWatch Alarm State Change` event at the virtual moment it happens.
 */

/** One metric period: an alarm sees traffic (or its end) one evaluation later. */
export const ALARM_LAG_SECONDS = 60;

const PERIOD_SECONDS = 60;
const THRESHOLD = 1;
/** The 5XX count a config that misbehaves produces per period (any value over the threshold would do). */
const BREACHING_VALUE = 7;

const STATE_VALUES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

interface AgendaItem {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * The timed changes of the emulated control plane (alarm flips, deployment steps), shared by the alarm and
 * endpoint worlds so that they happen in one order. Each change is applied at its virtual time: by the
 * clock (through `ctx.schedule`, so events go out at the right moment even when nobody is calling) or,
 * whichever comes first, by the next API call that needs the world up to date (`run(now)`).
 */
export class Agenda {
  #items: AgendaItem[] = [];
  #seq = 0;
  #ctx: OperationContext | undefined;
  #running = false;
  #unsent: EmittedEvent[] = [];

  /** Attaches the emulator's context; changes already planned are handed to its clock from now on. */
  bind(ctx: OperationContext): void {
    if (this.#ctx === ctx) return;
    this.#ctx = ctx;
    for (const item of this.#items) ctx.schedule(item.at, () => this.run(item.at));
    this.#unsent.splice(0).forEach((event) => ctx.emit(event));
  }

  /** Plans `fire` for virtual time `atMs`. */
  at(atMs: number, fire: () => void): void {
    this.#items.push({ at: atMs, seq: this.#seq++, fire });
    this.#ctx?.schedule(atMs, () => this.run(atMs));
  }

  /** Applies every change due at or before `now`, in time order (changes they plan included). */
  run(now: number): void {
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const next = this.#items.reduce<AgendaItem | undefined>(
          (best, item) =>
            !best || item.at < best.at || (item.at === best.at && item.seq < best.seq) ? item : best,
          undefined,
        );
        if (!next || next.at > now) return;
        this.#items.splice(this.#items.indexOf(next), 1);
        next.fire();
      }
    } finally {
      this.#running = false;
    }
  }

  emit(event: EmittedEvent): void {
    if (this.#ctx) this.#ctx.emit(event);
    else this.#unsent.push(event);
  }
}

export interface AlarmChange {
  name: string;
  state: AlarmState;
  previous: AlarmState;
  at: number;
}

interface StateRecord {
  value: AlarmState;
  reason: string;
  reasonData: string;
  at: number;
}

interface Alarm {
  seed: AlarmSeed;
  arn: string;
  /** What the metric shows by the script (seed state, then flips); `INSUFFICIENT_DATA`: no datapoints. */
  scripted: AlarmState;
  current: StateRecord;
  transitions: Array<{ from: StateRecord; to: StateRecord }>;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** CloudWatch's own timestamp style in reasons and events: `2026-11-23T02:21:00.000+0000`. */
const cwTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
/** The datapoint style of `StateReason`: `(23/11/26 02:21:00)`. */
const reasonTime = (ms: number) => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
/** Java's double formatting, as in CloudWatch's reasons: 7 → `7.0`. */
const javaDouble = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

/**
 * Why an alarm is in a state: its one datapoint was above or below the threshold, there was none and
 * `TreatMissingData` decided, or the alarm was just created.
 */
type Verdict =
  | 'breaching'
  | 'not-breaching'
  | 'no-data'
  | 'treated-breaching'
  | 'treated-not-breaching'
  | 'created';

const STATE_OF: Record<Verdict, AlarmState> = {
  breaching: 'ALARM',
  'not-breaching': 'OK',
  'no-data': 'INSUFFICIENT_DATA',
  'treated-breaching': 'ALARM',
  'treated-not-breaching': 'OK',
  created: 'INSUFFICIENT_DATA',
};

/** What a seed state says when the run starts (CloudWatch's wording for an alarm in that state). */
const SEEDED: Record<AlarmState, Verdict> = {
  OK: 'not-breaching',
  ALARM: 'breaching',
  INSUFFICIENT_DATA: 'created',
};

/**
 * The state record an alarm with the sandbox's metric settings shows after evaluating at `at`, in
 * CloudWatch's words (StateReason and StateReasonData as DescribeAlarms and the state change event carry
 * them; the missing-data reasons as CloudWatch writes them for TreatMissingData `breaching` and
 * `notBreaching`).
 */
function evaluation(verdict: Verdict, at: number): StateRecord {
  const value = STATE_OF[verdict];
  const datapointAt = Math.floor((at - PERIOD_SECONDS * 1000) / 60_000) * 60_000;
  const base = { version: '1.0', queryDate: cwTime(at), statistic: 'Sum', period: PERIOD_SECONDS };
  const noDatapoints = JSON.stringify({ ...base, recentDatapoints: [], threshold: THRESHOLD });
  switch (verdict) {
    case 'created':
      return { value, at, reason: 'Unchecked: Initial alarm creation', reasonData: noDatapoints };
    case 'no-data':
      return { value, at, reason: 'Insufficient Data: 1 datapoint was unknown.', reasonData: noDatapoints };
    case 'treated-breaching':
    case 'treated-not-breaching':
      return {
        value,
        at,
        reason:
          'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as ' +
          `[${verdict === 'treated-breaching' ? 'Breaching' : 'NonBreaching'}].`,
        reasonData: noDatapoints,
      };
    case 'breaching':
    case 'not-breaching': {
      const datapoint = value === 'ALARM' ? BREACHING_VALUE : 0;
      const transition = value === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK';
      return {
        value,
        at,
        reason:
          `Threshold Crossed: 1 out of the last 1 datapoints [${javaDouble(datapoint)} (${reasonTime(datapointAt)})] ` +
          `was ${value === 'ALARM' ? '' : 'not '}greater than the threshold (${javaDouble(THRESHOLD)}) ` +
          `(minimum 1 datapoint for ${transition} transition).`,
        reasonData: JSON.stringify({
          ...base,
          startDate: cwTime(datapointAt),
          recentDatapoints: [datapoint],
          threshold: THRESHOLD,
          evaluatedDatapoints: [{ timestamp: cwTime(datapointAt), sampleCount: 60, value: datapoint }],
        }),
      };
    }
  }
}

/**
 * The requests an endpoint serves, as the endpoint world reports them: how many per minute, and how they
 * split over the configs that serve them (with the alarms each config's errors breach).
 */
export interface TrafficSample {
  invocationsPerMinute: number;
  flows: Array<{ config: string; percent: number; breaches: readonly string[] }>;
}

/** The alarms' state over virtual time; the endpoint world reports traffic to it and listens to it. */
export class AlarmWorld {
  readonly agenda = new Agenda();
  /** Every state an alarm was in, from the run's start (the seed state) on: the report's alarm lanes. */
  readonly history: Array<{ name: string; state: AlarmState; at: number }> = [];
  readonly #alarms = new Map<string, Alarm>();
  readonly #listeners: Array<(change: AlarmChange) => void> = [];
  /** The traffic each endpoint served one metric period ago: what the alarms evaluate now. */
  readonly #traffic = new Map<string, TrafficSample>();
  readonly #start: number;

  constructor(fleet: Pick<Fleet, 'start' | 'account' | 'region' | 'alarms'>) {
    this.#start = fleet.start;
    // Once the endpoints have told their traffic (before any call is answered): a seed state that missing
    // data explains (OK under notBreaching, ALARM under breaching) shows CloudWatch's reason for it.
    this.agenda.at(fleet.start, () => {
      for (const alarm of this.#alarms.values()) {
        const verdict = this.#verdict(alarm);
        const treated = verdict === 'treated-breaching' || verdict === 'treated-not-breaching';
        if (treated && STATE_OF[verdict] === alarm.current.value)
          alarm.current = evaluation(verdict, fleet.start);
      }
    });
    for (const seed of fleet.alarms) {
      this.#alarms.set(seed.name, {
        seed,
        arn: `arn:aws:cloudwatch:${fleet.region}:${fleet.account}:alarm:${seed.name}`,
        scripted: seed.state,
        current: evaluation(SEEDED[seed.state], fleet.start),
        transitions: [],
      });
      this.history.push({ name: seed.name, state: seed.state, at: fleet.start });
      for (const flip of seed.flips) {
        const at = fleet.start + flip.atSeconds * 1000;
        this.agenda.at(at, () => {
          this.#alarms.get(seed.name)!.scripted = flip.state;
          this.#evaluate(seed.name, at);
        });
      }
    }
    // The seed states are what CloudWatch showed before the run; the first evaluation of the run's own
    // traffic comes one period in.
    const first = fleet.start + ALARM_LAG_SECONDS * 1000;
    this.agenda.at(first, () => this.#evaluateAll(first));
  }

  /** Brings the world up to `ctx.now()`; every operation calls it first. */
  sync(ctx: OperationContext): void {
    this.agenda.bind(ctx);
    this.agenda.run(ctx.now());
  }

  has(name: string): boolean {
    return this.#alarms.has(name);
  }

  state(name: string): AlarmState | undefined {
    return this.#alarms.get(name)?.current.value;
  }

  onChange(listener: (change: AlarmChange) => void): void {
    this.#listeners.push(listener);
  }

  /** The traffic an endpoint serves when the run starts (it has served it for a while already). */
  seedTraffic(endpoint: string, sample: TrafficSample): void {
    this.#traffic.set(endpoint, sample);
  }

  /**
   * The traffic of `endpoint` changed at `at`: the alarms see the period it makes (datapoints or none,
   * breaching or not) one metric period later.
   */
  observe(endpoint: string, sample: TrafficSample, at: number): void {
    const when = at + ALARM_LAG_SECONDS * 1000;
    this.agenda.at(when, () => {
      this.#traffic.set(endpoint, sample);
      this.#evaluateAll(when);
    });
  }

  #evaluateAll(at: number): void {
    for (const name of this.#alarms.keys()) this.#evaluate(name, at);
  }

  /**
   * The datapoint an alarm's last period holds: none when the endpoint its `EndpointName` dimension names
   * got no requests (or none on the config its `EndpointConfigName` dimension names: CloudWatch publishes
   * that dimension only once the config takes traffic), a breach while a config that misbehaves for it
   * serves requests, otherwise what the script says.
   */
  #datapoint(alarm: Alarm): 'breaching' | 'not-breaching' | undefined {
    const dimensions = alarm.seed.dimensions ?? {};
    const watched =
      dimensions.EndpointName === undefined ? undefined : this.#traffic.get(dimensions.EndpointName);
    const serving = (sample: TrafficSample) =>
      sample.invocationsPerMinute > 0
        ? sample.flows.filter(
            (f) =>
              f.percent > 0 &&
              (dimensions.EndpointConfigName === undefined || f.config === dimensions.EndpointConfigName),
          )
        : [];
    // An alarm on no endpoint of the fleet is breached by any endpoint serving a config that breaches it.
    const flows = watched ? serving(watched) : [...this.#traffic.values()].flatMap(serving);
    if (watched && flows.length === 0) return undefined;
    if (flows.some((f) => f.breaches.includes(alarm.seed.name))) return 'breaching';
    if (alarm.scripted === 'INSUFFICIENT_DATA') return undefined;
    return alarm.scripted === 'ALARM' ? 'breaching' : 'not-breaching';
  }

  /**
   * What an alarm's evaluation concludes; `undefined`: keep the state. A period without datapoints is judged
   * by `TreatMissingData` (CloudWatch user guide, "Configuring how CloudWatch alarms treat missing data"):
   * `missing` → INSUFFICIENT_DATA, `ignore` → the state is kept, `notBreaching` → OK, `breaching` → ALARM.
   */
  #verdict(alarm: Alarm): Verdict | undefined {
    const datapoint = this.#datapoint(alarm);
    if (datapoint) return datapoint;
    switch (alarm.seed.treatMissingData) {
      case 'missing':
        return 'no-data';
      case 'ignore':
        return undefined;
      case 'notBreaching':
        return 'treated-not-breaching';
      case 'breaching':
        return 'treated-breaching';
    }
  }

  #evaluate(name: string, at: number): void {
    const alarm = this.#alarms.get(name)!;
    const verdict = this.#verdict(alarm);
    if (verdict) this.#set(alarm, verdict, at);
  }

  snapshot(): Array<{ name: string; state: AlarmState }> {
    return [...this.#alarms.values()].map((a) => ({ name: a.seed.name, state: a.current.value }));
  }

  /** `MetricAlarms[]` entries as DescribeAlarms returns them. */
  metricAlarms(filter: { names?: string[]; prefix?: string; state?: AlarmState }): Record<string, unknown>[] {
    return [...this.#alarms.values()]
      .filter((a) => !filter.names || filter.names.includes(a.seed.name))
      .filter((a) => !filter.prefix || a.seed.name.startsWith(filter.prefix))
      .filter((a) => !filter.state || a.current.value === filter.state)
      .sort((a, b) => (a.seed.name < b.seed.name ? -1 : a.seed.name > b.seed.name ? 1 : 0))
      .map((a) => this.#describe(a));
  }

  /** State transitions as `AlarmHistoryItems[]`, oldest first. */
  historyItems(name: string | undefined): Array<Record<string, unknown> & { at: number }> {
    return [...this.#alarms.values()]
      .filter((a) => name === undefined || a.seed.name === name)
      .flatMap((a) =>
        a.transitions.map(({ from, to }) => ({
          at: to.at,
          AlarmName: a.seed.name,
          AlarmType: 'MetricAlarm',
          Timestamp: new Date(to.at),
          HistoryItemType: 'StateUpdate',
          HistorySummary: `Alarm updated from ${from.value} to ${to.value}`,
          HistoryData: JSON.stringify({
            version: '1.0',
            oldState: { stateValue: from.value, stateReason: from.reason },
            newState: {
              stateValue: to.value,
              stateReason: to.reason,
              stateReasonData: JSON.parse(to.reasonData) as unknown,
            },
          }),
        })),
      )
      .sort((x, y) => x.at - y.at);
  }

  #dimensions(alarm: Alarm): Record<string, string> {
    return alarm.seed.dimensions ?? {};
  }

  #describe(alarm: Alarm): Record<string, unknown> {
    const { seed, current } = alarm;
    return {
      AlarmName: seed.name,
      AlarmArn: alarm.arn,
      AlarmDescription: `sandbox alarm ${seed.name}`,
      AlarmConfigurationUpdatedTimestamp: new Date(this.#start),
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
      StateValue: current.value,
      StateReason: current.reason,
      StateReasonData: current.reasonData,
      StateUpdatedTimestamp: new Date(current.at),
      StateTransitionedTimestamp: new Date(current.at),
      MetricName: this.#metricName(alarm),
      Namespace: this.#namespace(alarm),
      Statistic: 'Sum',
      Dimensions: Object.entries(this.#dimensions(alarm)).map(([Name, Value]) => ({ Name, Value })),
      Period: PERIOD_SECONDS,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: THRESHOLD,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: seed.treatMissingData,
    };
  }

  #metricName(alarm: Alarm): string {
    return alarm.seed.metricName ?? 'Invocation5XXErrors';
  }

  #namespace(alarm: Alarm): string {
    return alarm.seed.namespace ?? 'AWS/SageMaker';
  }

  /** Moves an alarm to the state `verdict` gives; a move to the state it is in changes nothing, as in CloudWatch. */
  #set(alarm: Alarm, verdict: Verdict, at: number): void {
    const value = STATE_OF[verdict];
    if (alarm.current.value === value) return;
    const from = alarm.current;
    const to = evaluation(verdict, at);
    alarm.current = to;
    alarm.transitions.push({ from, to });
    const name = alarm.seed.name;
    this.history.push({ name, state: value, at });
    this.agenda.emit(this.#event(alarm, from, to));
    const change = { name, state: value, previous: from.value, at };
    this.#listeners.forEach((listener) => listener(change));
  }

  /** Shaped on the single-metric sample in the CloudWatch user guide ("Alarm events and EventBridge"). */
  #event(alarm: Alarm, from: StateRecord, to: StateRecord): EmittedEvent {
    const state = (s: StateRecord) => ({
      value: s.value,
      reason: s.reason,
      reasonData: s.reasonData,
      timestamp: cwTime(s.at),
    });
    return {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: new Date(to.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      resources: [alarm.arn],
      detail: {
        alarmName: alarm.seed.name,
        state: state(to),
        previousState: state(from),
        configuration: {
          description: `sandbox alarm ${alarm.seed.name}`,
          metrics: [
            {
              id: `m-${alarm.seed.name}`,
              metricStat: {
                metric: {
                  dimensions: this.#dimensions(alarm),
                  name: this.#metricName(alarm),
                  namespace: this.#namespace(alarm),
                },
                period: PERIOD_SECONDS,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }
}

const invalid = (member: string, value: unknown, constraint: string) =>
  new AwsApiError(
    'ValidationError',
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );

/** Opaque page tokens: the offset into the sorted result, marked so a foreign token is refused. */
function page<T>(items: T[], input: Record<string, unknown>, limit: { max: number; default: number }) {
  const max = input.MaxRecords === undefined ? limit.default : Number(input.MaxRecords);
  if (!Number.isInteger(max) || max < 1 || max > limit.max) {
    throw invalid('maxRecords', input.MaxRecords, `Member must have value between 1 and ${limit.max}`);
  }
  let offset = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^cw:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString('utf8'));
    if (!decoded) throw new AwsApiError('InvalidNextToken', 'The service returned an invalid NextToken.');
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + max);
  const next = offset + max < items.length ? Buffer.from(`cw:${offset + max}`).toString('base64') : undefined;
  return { slice, next };
}

function stateValue(value: unknown, member: string): AlarmState | undefined {
  if (value === undefined) return undefined;
  if (!STATE_VALUES.includes(value as AlarmState)) {
    throw invalid(member, value, `Member must satisfy enum value set: [${STATE_VALUES.join(', ')}]`);
  }
  return value as AlarmState;
}

const epochMs = (value: unknown) => (value === undefined ? undefined : Number(value) * 1000);

/**
 * The CloudWatch emulator. Alarm types other than metric alarms do not exist in the sandbox, so composite
 * and log alarm lists are always empty. `attach(context)` hands the emulator's context over before any
 * call arrives, so that the fleet's alarm flips are emitted on time even if nobody asks about alarms;
 * without it they are scheduled at the first CloudWatch or endpoint call.
 *
 * @example
 *   const cloudwatch = createCloudWatchService(fleet);
 *   const endpoints = createEndpointService(fleet, cloudwatch.world);
 *   await startEmulator(fleet, { services: [endpoints, cloudwatch], schedule });
 */
export function createCloudWatchService(
  fleet: Pick<Fleet, 'start' | 'account' | 'region' | 'alarms'>,
): ServiceEmulator & { world: AlarmWorld; attach(context: OperationContext): void } {
  const world = new AlarmWorld(fleet);
  return {
    targetPrefix: 'GraniteServiceVersion20100801',
    service: 'cloudwatch',
    world,
    attach: (context) => world.sync(context),
    resourceKey: (_operation, input) =>
      typeof input.AlarmName === 'string'
        ? input.AlarmName
        : Array.isArray(input.AlarmNames)
          ? input.AlarmNames.join(',')
          : String(input.AlarmNamePrefix ?? ''),
    operations: {
      DescribeAlarms: (input, ctx) => {
        world.sync(ctx);
        const names = input.AlarmNames as string[] | undefined;
        const prefix = input.AlarmNamePrefix as string | undefined;
        if (names?.length && prefix !== undefined) {
          throw new AwsApiError(
            'InvalidParameterCombination',
            'AlarmNames and AlarmNamePrefix cannot be used together.',
          );
        }
        if (names && names.length > 100) {
          throw invalid(
            'alarmNames',
            `[${names.length} names]`,
            'Member must have length less than or equal to 100',
          );
        }
        const types = input.AlarmTypes as string[] | undefined;
        const metric = !types || types.length === 0 || types.includes('MetricAlarm');
        const all = metric
          ? world.metricAlarms({
              ...(names?.length ? { names } : {}),
              ...(prefix !== undefined ? { prefix } : {}),
              ...(input.StateValue !== undefined
                ? { state: stateValue(input.StateValue, 'stateValue') }
                : {}),
            })
          : [];
        const { slice, next } = page(all, input, { max: 100, default: 50 });
        return {
          MetricAlarms: slice,
          ...(types?.includes('CompositeAlarm') ? { CompositeAlarms: [] } : {}),
          ...(next ? { NextToken: next } : {}),
        };
      },
      DescribeAlarmHistory: (input, ctx) => {
        world.sync(ctx);
        const name = input.AlarmName as string | undefined;
        const type = input.HistoryItemType as string | undefined;
        const start = epochMs(input.StartDate);
        const end = epochMs(input.EndDate);
        const scanBy = (input.ScanBy as string | undefined) ?? 'TimestampDescending';
        if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
          throw invalid(
            'scanBy',
            scanBy,
            'Member must satisfy enum value set: [TimestampDescending, TimestampAscending]',
          );
        }
        const items = (type === undefined || type === 'StateUpdate' ? world.historyItems(name) : [])
          .filter(
            (item) => (start === undefined || item.at >= start) && (end === undefined || item.at <= end),
          )
          .map(({ at: _at, ...item }) => item);
        if (scanBy === 'TimestampDescending') items.reverse();
        const { slice, next } = page(items, input, { max: 100, default: 100 });
        return { AlarmHistoryItems: slice, ...(next ? { NextToken: next } : {}) };
      },
    },
  };
}
