import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { cliClientConfig, type CliAccess } from './cli.ts';
import { translateAwsError } from './errors.ts';
import { AwsRequestError } from '../errors.ts';
import { needs } from '../iam.ts';

/** Every event caretaker emits has this source. */
export const CARETAKER_SOURCE = 'caretaker';

/** The bus's client and name (a Lambda function's: clients/events.ts). */
export interface EventClients {
  eventbridge: EventBridgeClient;
  busName: string;
}

export interface OutgoingEvent {
  detailType: string;
  detail: object;
  resources?: string[];
  /** When the event happened (default: when EventBridge receives it). */
  time?: Date;
}

/**
 * Clients for a caller outside Lambda (the `caretaker` CLI): its own endpoint (the sandbox), profile and
 * region, the standard credential chain otherwise (see cli.ts).
 */
export function createEventClients(busName: string, access: CliAccess = {}) {
  return { eventbridge: new EventBridgeClient(cliClientConfig(access)), busName };
}

/**
 * Puts events on a bus (the caretaker bus unless `busName` says otherwise), ten to a request as the API
 * allows; returns the event ids EventBridge gave them.
 */
export const putEvents = /* @__PURE__ */ needs(
  'events:PutEvents',
  'event-bus',
  async (
    { eventbridge, busName }: EventClients,
    events: OutgoingEvent[],
    source: string = CARETAKER_SOURCE,
  ): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      let out;
      try {
        out = await eventbridge.send(
          new PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: busName,
              Source: source,
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
              Resources: e.resources ?? [],
              ...(e.time ? { Time: e.time } : {}),
            })),
          }),
        );
      } catch (err) {
        throw translateAwsError(err, busName);
      }
      if (out.FailedEntryCount) {
        const failed = (out.Entries ?? [])
          .filter((e) => e.ErrorCode)
          .map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`);
        throw new AwsRequestError(
          `PutEvents refused ${out.FailedEntryCount} event(s): ${failed.join('; ')}`,
          {
            resource: busName,
          },
        );
      }
      ids.push(...(out.Entries ?? []).map((e) => e.EventId ?? ''));
    }
    return ids;
  },
);
