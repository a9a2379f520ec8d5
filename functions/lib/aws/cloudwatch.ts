import {
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch';
import { callAws, translateAwsError } from './errors.ts';
import { needs } from '../iam.ts';

/** The CloudWatch gateway: the only code that reads alarms (its Lambda client: clients/cloudwatch.ts). */

export interface AlarmView {
  name: string;
  state: string;
  /** CloudWatch's own words for the last state change ("Threshold Crossed: 1 out of the last 1 datapoints…"). */
  stateReason?: string;
  /** `StateReasonData` (JSON, metric alarms only): the datapoints and threshold the alarm evaluated. */
  stateReasonData?: string;
  stateUpdatedAt?: string;
}

/**
 * The named alarms (metric and composite) as they are now. An alarm that does not exist is simply not in
 * the answer: callers compare the names to tell "missing" from "OK".
 */
export const describeAlarms = /* @__PURE__ */ needs(
  'cloudwatch:DescribeAlarms',
  'alarm',
  async (client: CloudWatchClient, names: string[]): Promise<AlarmView[]> => {
    const alarms: AlarmView[] = [];
    let NextToken: string | undefined;
    do {
      let page;
      try {
        page = await client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken,
          }),
        );
      } catch (err) {
        throw translateAwsError(err, names.join(','));
      }
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        alarms.push({
          name: alarm.AlarmName!,
          state: alarm.StateValue!,
          ...(alarm.StateReason ? { stateReason: alarm.StateReason } : {}),
          ...(alarm.StateReasonData ? { stateReasonData: alarm.StateReasonData } : {}),
          ...(alarm.StateUpdatedTimestamp
            ? { stateUpdatedAt: alarm.StateUpdatedTimestamp.toISOString() }
            : {}),
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return alarms;
  },
);

/**
 * The states an alarm entered between `from` and `to`, oldest first, each as the alarm looked right after
 * (so a breach that has cleared since is still told with its reason and values).
 */
export const describeAlarmHistory = /* @__PURE__ */ needs(
  'cloudwatch:DescribeAlarmHistory',
  'alarm',
  async (client: CloudWatchClient, name: string, from: Date, to: Date): Promise<AlarmView[]> => {
    const states: AlarmView[] = [];
    let NextToken: string | undefined;
    do {
      const page = await callAws(name, () =>
        client.send(
          new DescribeAlarmHistoryCommand({
            AlarmName: name,
            HistoryItemType: 'StateUpdate',
            StartDate: from,
            EndDate: to,
            ScanBy: 'TimestampAscending',
            NextToken,
          }),
        ),
      );
      for (const item of page.AlarmHistoryItems ?? []) {
        let data: { newState?: { stateValue?: string; stateReason?: string; stateReasonData?: unknown } } =
          {};
        try {
          data = JSON.parse(item.HistoryData ?? '{}') as typeof data;
        } catch {
          // HistoryData is informative; an item without it still says when the alarm changed.
        }
        const entered = data.newState;
        if (!entered?.stateValue) continue;
        states.push({
          name: item.AlarmName ?? name,
          state: entered.stateValue,
          ...(entered.stateReason ? { stateReason: entered.stateReason } : {}),
          ...(entered.stateReasonData !== undefined
            ? { stateReasonData: JSON.stringify(entered.stateReasonData) }
            : {}),
          ...(item.Timestamp ? { stateUpdatedAt: item.Timestamp.toISOString() } : {}),
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return states;
  },
);
