import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { clientConfig } from './config.ts';
import { translateAwsError } from './errors.ts';
import { readEnvironment } from '../env.ts';
import { needs } from '../iam.ts';
import { tracer } from '../observability.ts';

/** The CloudWatch gateway: the only code that reads alarms. */

/** Built once per container and handed to the gateway functions, so tests can pass their own. */
export const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient(clientConfig(readEnvironment())));

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
export const describeAlarms = needs(
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
