import { readFileSync } from 'node:fs';
import { closeEmulators, openEmulator } from '../support/emulator.ts';
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, StateValue } from '@aws-sdk/client-cloudwatch';
import { UpdateEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { matches } from '../../sandbox/event-pattern.ts';
import type { BusEvent } from '../../sandbox/emulator/index.ts';

const START = Date.parse('2026-11-23T02:00:00Z');

const FLEET = `
start: 2026-11-23T02:00:00Z
endpointConfigs:
  - name: cfg-v1
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
  - name: cfg-v2
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
    behavior: { alarmsWhileServing: [caretaker-ep-1-5xx] }
endpoints:
  - name: ep-1
    endpointConfigName: cfg-v1
alarms:
  - name: caretaker-ep-1-5xx
    dimensions: { EndpointName: ep-1, VariantName: AllTraffic }
    flips: [{ atSeconds: 1200, state: ALARM }, { atSeconds: 1500, state: OK }]
  - name: caretaker-ep-1-latency
    state: INSUFFICIENT_DATA
    metricName: ModelLatency
  - name: other-cpu
    state: ALARM
    namespace: AWS/EC2
`;

afterEach(closeEmulators);

/** The emulator with the CloudWatch and endpoint services on a virtual clock, and real SDK clients. */
async function sandbox(yaml = FLEET) {
  const opened = await openEmulator(yaml);
  return { ...opened, world: opened.alarms };
}

/** The error a call ends with (a rejected promise left un-awaited while others run would go unhandled). */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (err: unknown) => err,
  );

const alarmEvents = <T extends BusEvent>(events: T[]) =>
  events.filter((e) => e.source === 'aws.cloudwatch' && e['detail-type'] === 'CloudWatch Alarm State Change');

describe('CloudWatch emulator', () => {
  it('describes the named alarms with the members and enum values the installed SDK models', async () => {
    // Prepare
    const { cloudwatch } = await sandbox();

    // Act
    const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] }));

    // Assess
    expect(out.MetricAlarms).toHaveLength(1);
    const alarm = out.MetricAlarms![0]!;
    expect(alarm).toMatchObject({
      AlarmName: 'caretaker-ep-1-5xx',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:caretaker-ep-1-5xx',
      StateValue: StateValue.OK,
      MetricName: 'Invocation5XXErrors',
      Namespace: 'AWS/SageMaker',
      Dimensions: [
        { Name: 'EndpointName', Value: 'ep-1' },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      Period: 60,
      Statistic: 'Sum',
      TreatMissingData: 'missing',
    });
    expect(alarm.StateUpdatedTimestamp).toEqual(new Date(START));
    expect(alarm.StateReason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[0\.0 \(23\/11\/26 01:59:00\)\] was not greater than the threshold \(1\.0\)/,
    );
    expect(JSON.parse(alarm.StateReasonData!)).toMatchObject({
      version: '1.0',
      threshold: 1,
      recentDatapoints: [0],
    });
  });

  it('filters alarms by name prefix and by state', async () => {
    // Prepare
    const { cloudwatch } = await sandbox();

    // Act
    const byPrefix = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'caretaker-' }));
    const inAlarm = await cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    const unchecked = await cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'INSUFFICIENT_DATA' }));

    // Assess
    expect(byPrefix.MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      'caretaker-ep-1-5xx',
      'caretaker-ep-1-latency',
    ]);
    expect(inAlarm.MetricAlarms?.map((a) => [a.AlarmName, a.Namespace])).toEqual([['other-cpu', 'AWS/EC2']]);
    expect(unchecked.MetricAlarms?.map((a) => [a.AlarmName, a.MetricName, a.StateReason])).toEqual([
      ['caretaker-ep-1-latency', 'ModelLatency', 'Unchecked: Initial alarm creation'],
    ]);
    for (const alarm of [...byPrefix.MetricAlarms!, ...inAlarm.MetricAlarms!])
      expect(Object.values(StateValue)).toContain(alarm.StateValue);
  });

  it('pages through the alarms with MaxRecords and NextToken', async () => {
    // Prepare
    const { cloudwatch } = await sandbox();

    // Act
    const first = await cloudwatch.send(new DescribeAlarmsCommand({ MaxRecords: 2 }));
    const second = await cloudwatch.send(
      new DescribeAlarmsCommand({ MaxRecords: 2, NextToken: first.NextToken }),
    );

    // Assess
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      'caretaker-ep-1-5xx',
      'caretaker-ep-1-latency',
    ]);
    expect(first.NextToken).toBeTruthy();
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['other-cpu']);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a foreign NextToken and names together with a prefix, as CloudWatch does', async () => {
    // Prepare
    const { cloudwatch } = await sandbox();

    // Act
    const badToken = await failure(cloudwatch.send(new DescribeAlarmsCommand({ NextToken: 'not-a-token' })));
    const both = await failure(
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'b' })),
    );

    // Assess
    expect(badToken).toMatchObject({ name: 'InvalidNextToken' });
    expect(both).toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: expect.stringContaining('AlarmNames and AlarmNamePrefix'),
    });
  });

  it('flips an alarm at the second the fleet gives and emits the state change event at that moment', async () => {
    // Prepare
    const { cloudwatch, events, advance } = await sandbox();
    await cloudwatch.send(new DescribeAlarmsCommand({}));

    // Act
    await advance(1199);
    const before = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] }));
    await advance(1);
    const emitted = alarmEvents(events);

    // Assess
    expect(before.MetricAlarms![0]!.StateValue).toBe('OK');
    expect(emitted).toHaveLength(1);
    const [event] = emitted;
    expect(event!.emittedAt).toBe(START + 1_200_000);
    expect(event).toMatchObject({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: '2026-11-23T02:20:00Z',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:caretaker-ep-1-5xx'],
      detail: {
        alarmName: 'caretaker-ep-1-5xx',
        state: {
          value: 'ALARM',
          reason:
            'Threshold Crossed: 1 out of the last 1 datapoints [7.0 (23/11/26 02:19:00)] was greater than the ' +
            'threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
          timestamp: '2026-11-23T02:20:00.000+0000',
        },
        previousState: { value: 'OK', timestamp: '2026-11-23T02:00:00.000+0000' },
        configuration: {
          metrics: [
            {
              metricStat: {
                metric: {
                  name: 'Invocation5XXErrors',
                  namespace: 'AWS/SageMaker',
                  dimensions: { EndpointName: 'ep-1', VariantName: 'AllTraffic' },
                },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
    expect(JSON.parse((event!.detail.state as { reasonData: string }).reasonData)).toMatchObject({
      recentDatapoints: [7],
      threshold: 1,
    });
  });

  it('emits events that the repository rule for caretaker alarms matches', async () => {
    // Prepare
    const pattern: unknown = JSON.parse(readFileSync('events/patterns/alarm-state-change.json', 'utf8'));
    const { cloudwatch, events, advance } = await sandbox();
    await cloudwatch.send(new DescribeAlarmsCommand({}));

    // Act
    await advance(1600);

    // Assess
    const emitted = alarmEvents(events);
    expect(emitted.map((e) => (e.detail.state as { value: string }).value)).toEqual(['ALARM', 'OK']);
    expect(emitted.map((e) => matches(pattern, e))).toEqual([true, false]);
  });

  it('reports the state transitions in the alarm history, newest first unless asked otherwise', async () => {
    // Prepare
    const { cloudwatch, advance } = await sandbox();
    await cloudwatch.send(new DescribeAlarmsCommand({}));
    await advance(1600);

    // Act
    const newest = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'caretaker-ep-1-5xx' }),
    );
    const oldest = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'caretaker-ep-1-5xx', ScanBy: 'TimestampAscending' }),
    );
    const configChanges = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: 'caretaker-ep-1-5xx',
        HistoryItemType: 'ConfigurationUpdate',
      }),
    );

    // Assess
    expect(newest.AlarmHistoryItems?.map((i) => [i.HistorySummary, i.Timestamp?.getTime()])).toEqual([
      ['Alarm updated from ALARM to OK', START + 1_500_000],
      ['Alarm updated from OK to ALARM', START + 1_200_000],
    ]);
    expect(oldest.AlarmHistoryItems?.map((i) => i.HistoryItemType)).toEqual(['StateUpdate', 'StateUpdate']);
    expect(JSON.parse(oldest.AlarmHistoryItems![0]!.HistoryData!)).toMatchObject({
      oldState: { stateValue: 'OK' },
      newState: { stateValue: 'ALARM' },
    });
    expect(configChanges.AlarmHistoryItems).toEqual([]);
  });

  it('puts an alarm of a config in ALARM a minute after the config takes traffic and back to OK a minute after it stops', async () => {
    // Prepare
    const { cloudwatch, sagemaker, events, advance, world } = await sandbox(
      FLEET.replace(
        'flips: [{ atSeconds: 1200, state: ALARM }, { atSeconds: 1500, state: OK }]',
        'flips: []',
      ),
    );
    const state = async () =>
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] })))
        .MetricAlarms![0]!.StateValue;

    // Act: the new fleet takes all traffic 120 s after the update; the update back moves it off 120 s later.
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep-1', EndpointConfigName: 'cfg-v2' }));
    await advance(179);
    const justBefore = await state();
    await advance(1);
    const oneMinuteAfterTraffic = await state();
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep-1', EndpointConfigName: 'cfg-v1' }));
    await advance(179);
    const stillServedUntilTheShift = await state();
    await advance(1);
    const oneMinuteAfterTrafficStopped = await state();

    // Assess
    expect([
      justBefore,
      oneMinuteAfterTraffic,
      stillServedUntilTheShift,
      oneMinuteAfterTrafficStopped,
    ]).toEqual(['OK', 'ALARM', 'ALARM', 'OK']);
    expect(alarmEvents(events).map((e) => [(e.detail.state as { value: string }).value, e.time])).toEqual([
      ['ALARM', '2026-11-23T02:03:00Z'],
      ['OK', '2026-11-23T02:06:00Z'],
    ]);
    expect(
      world.history.filter((h) => h.name === 'caretaker-ep-1-5xx').map((h) => [h.state, h.at - START]),
    ).toEqual([
      ['OK', 0],
      ['ALARM', 180_000],
      ['OK', 360_000],
    ]);
  });
});

describe('CloudWatch emulator: alarms without datapoints', () => {
  /** An endpoint that gets no requests, and one alarm on it per TreatMissingData value. */
  const IDLE = `
start: 2026-11-23T02:00:00Z
endpointConfigs:
  - { name: cfg-v1, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }] }
endpoints:
  - { name: ep-idle, endpointConfigName: cfg-v1, invocationsPerMinute: 0 }
alarms:
  - { name: idle-missing, state: OK, dimensions: { EndpointName: ep-idle } }
  - { name: idle-ignore, state: ALARM, treatMissingData: ignore, dimensions: { EndpointName: ep-idle } }
  - { name: idle-not-breaching, state: ALARM, treatMissingData: notBreaching, dimensions: { EndpointName: ep-idle } }
  - { name: idle-breaching, state: OK, treatMissingData: breaching, dimensions: { EndpointName: ep-idle } }
`;

  it.each([
    ['idle-missing', 'missing', 'OK', 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.'],
    ['idle-ignore', 'ignore', 'ALARM', 'ALARM', undefined],
    [
      'idle-not-breaching',
      'notBreaching',
      'ALARM',
      'OK',
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    ],
    [
      'idle-breaching',
      'breaching',
      'OK',
      'ALARM',
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].',
    ],
  ])(
    'judges a period without datapoints on an endpoint with no traffic by TreatMissingData: %s (%s)',
    async (name, treatMissingData, before, after, reason) => {
      // Prepare: SageMaker publishes invocation metrics only for requests that happen, so an idle endpoint's
      // alarms get no datapoints. "missing: … the alarm … transitions to INSUFFICIENT_DATA", "ignore: The
      // current alarm state is maintained", "notBreaching: Missing data points are treated as 'good'",
      // "breaching: … treated as 'bad'" (CloudWatch user guide, "Configuring how CloudWatch alarms treat
      // missing data"); the reasons are CloudWatch's own texts for each case.
      const { cloudwatch, events, advance } = await sandbox(IDLE);
      const describe = async () =>
        (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
      const seeded = await describe();

      // Act: the first evaluation of the run comes one period in.
      await advance(60);
      const evaluated = await describe();
      const history = await cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: name }));

      // Assess
      expect([seeded.StateValue, evaluated.StateValue]).toEqual([before, after]);
      expect(evaluated.TreatMissingData).toBe(treatMissingData);
      const changes = alarmEvents(events).filter((e) => e.detail.alarmName === name);
      if (reason === undefined) {
        expect(history.AlarmHistoryItems).toEqual([]);
        expect(changes).toEqual([]);
        return;
      }
      expect(evaluated.StateReason).toBe(reason);
      expect(JSON.parse(evaluated.StateReasonData!)).toMatchObject({ recentDatapoints: [] });
      expect(evaluated.StateUpdatedTimestamp).toEqual(new Date(START + 60_000));
      expect(history.AlarmHistoryItems?.map((i) => i.HistorySummary)).toEqual([
        `Alarm updated from ${before} to ${after}`,
      ]);
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({
        time: '2026-11-23T02:01:00Z',
        detail: { state: { value: after, reason }, previousState: { value: before } },
      });
    },
  );

  it('gives an alarm whose seed state the missing data explains the reason CloudWatch gives for it, without a transition', async () => {
    // Prepare: an idle endpoint's notBreaching alarm is OK because "missing data points are treated as
    // good", not because a datapoint was fine; its StateReason says so from the start.
    const { cloudwatch, events, advance } = await sandbox(
      IDLE.replace(
        'state: ALARM, treatMissingData: notBreaching',
        'state: OK, treatMissingData: notBreaching',
      ),
    );

    // Act
    const atStart = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['idle-not-breaching'] }));
    await advance(600);
    const later = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['idle-not-breaching'] }));

    // Assess
    for (const answer of [atStart, later]) {
      expect(answer.MetricAlarms![0]).toMatchObject({
        StateValue: 'OK',
        StateReason:
          'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
        StateUpdatedTimestamp: new Date(START),
      });
    }
    expect(alarmEvents(events).filter((e) => e.detail.alarmName === 'idle-not-breaching')).toEqual([]);
  });

  it('has no datapoints for an alarm on a new configuration until that configuration takes traffic', async () => {
    // Prepare: "CloudWatch publishes the metrics with the dimension EndpointConfigName:{New-Ep-Config} after
    // the new fleet starts receiving traffic" (developer guide, "Auto-Rollback Configuration and Monitoring").
    const { cloudwatch, sagemaker, advance, world } = await sandbox(
      FLEET.replace(
        'alarms:\n',
        'alarms:\n  - name: cfg-v2-latency\n    metricName: ModelLatency\n' +
          '    dimensions: { EndpointName: ep-1, VariantName: AllTraffic, EndpointConfigName: cfg-v2 }\n',
      ),
    );
    await cloudwatch.send(new DescribeAlarmsCommand({}));

    // Act: the new fleet takes all traffic 120 s after the update; the alarm sees it one period later.
    await advance(60);
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep-1', EndpointConfigName: 'cfg-v2' }));
    await advance(180);

    // Assess
    expect(
      world.history.filter((h) => h.name === 'cfg-v2-latency').map((h) => [h.state, (h.at - START) / 1000]),
    ).toEqual([
      ['OK', 0],
      ['INSUFFICIENT_DATA', 60],
      ['OK', 240],
    ]);
  });

  it('has no datapoints either for a misbehaving configuration on an endpoint with no traffic: no requests, no errors', async () => {
    // Prepare
    const { cloudwatch, sagemaker, advance } = await sandbox(
      FLEET.replace(
        '    endpointConfigName: cfg-v1\n',
        '    endpointConfigName: cfg-v1\n    invocationsPerMinute: 0\n',
      ).replace('flips: [{ atSeconds: 1200, state: ALARM }, { atSeconds: 1500, state: OK }]', 'flips: []'),
    );

    // Act: cfg-v2 breaches caretaker-ep-1-5xx whenever it serves requests.
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep-1', EndpointConfigName: 'cfg-v2' }));
    await advance(600);
    const alarm = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] }));

    // Assess
    expect(alarm.MetricAlarms![0]!.StateValue).toBe('INSUFFICIENT_DATA');
  });
});
