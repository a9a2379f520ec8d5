import type { PutEventsRequestEntry, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { digest } from './faults.ts';
import { AwsApiError, type EmittedEvent, type ServiceEmulator } from './types.ts';

/** An event as EventBridge delivers it to a rule's target, plus the bus it was put on. */
// A type alias (not an interface) so that it is assignable to `Record<string, unknown>`-like parameters.
export type BusEvent = {
  version: '0';
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
  eventBusName: string;
};

export type BusListener = (event: BusEvent) => void;

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** EventBridge's time format: ISO 8601 to the second. */
export const eventTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The sandbox's buses: every event, whether put by a caller or emitted by an emulated service, becomes a
 * full envelope and goes to every listener. Ids count up, so a run's events are the same every time.
 */
export class EventBus {
  readonly #listeners: BusListener[] = [];
  #sequence = 0;

  constructor(
    private readonly where: { account: string; region: string },
    private readonly onListenerError: (err: Error) => void,
  ) {}

  onEvent(listener: BusListener): void {
    this.#listeners.push(listener);
  }

  publish(event: EmittedEvent): BusEvent {
    const full: BusEvent = {
      version: '0',
      id: `00000000-0000-4000-8000-${(++this.#sequence).toString(16).padStart(12, '0')}`,
      source: event.source,
      'detail-type': event['detail-type'],
      account: this.where.account,
      region: this.where.region,
      time: event.time ?? eventTime(Date.now()),
      resources: event.resources ?? [],
      detail: event.detail,
      eventBusName: event.eventBusName ?? 'default',
    };
    for (const listener of this.#listeners) {
      try {
        listener(full);
      } catch (err) {
        // A listener is the harness (the router); its failure must surface, not break the service call.
        this.onListenerError(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return full;
  }
}

type Entry = Omit<PutEventsRequestEntry, 'Time'> & { Time?: number };
type EntryResult = NonNullable<PutEventsResponse['Entries']>[number];

const invalid = (member: string, reason: string): EntryResult => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${member} is not valid. Reason: ${reason}`,
});

/** Checks one entry as EventBridge does: a bad entry fails alone, the others are still put. */
function check(entry: Entry): { detail: Record<string, unknown> } | EntryResult {
  if (!entry.Source) return invalid('Source', 'Source is a required argument.');
  if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
  if (entry.Detail === undefined || entry.Detail === null)
    return invalid('Detail', 'Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return { detail: detail as Record<string, unknown> };
}

/** `arn:aws:events:…:event-bus/name` or `name` → `name`. */
const busName = (nameOrArn: string | undefined) =>
  !nameOrArn
    ? 'default'
    : nameOrArn.startsWith('arn:')
      ? nameOrArn.slice(nameOrArn.indexOf('/') + 1)
      : nameOrArn;

/**
 * `AWSEvents.PutEvents`.
 *
 * @example
 *   createEventBridgeService(bus).operations.PutEvents({ Entries: [{ Source: 'caretaker', DetailType: 'x', Detail: '{}' }] }, ctx)
 *   // → { FailedEntryCount: 0, Entries: [{ EventId: '…' }] }
 */
export function createEventBridgeService(bus: EventBus): ServiceEmulator {
  return {
    targetPrefix: 'AWSEvents',
    service: 'eventbridge',
    // PutEvents names no resource: the bus and the entries themselves tell concurrent callers apart.
    resourceKey: (_operation, input) => {
      const entries = Array.isArray(input.Entries) ? (input.Entries as Entry[]) : [];
      return `${busName(entries[0]?.EventBusName)}#${digest(JSON.stringify(entries))}`;
    },
    operations: {
      PutEvents: (input) => {
        const entries = input.Entries;
        if (!Array.isArray(entries) || entries.length === 0)
          throw new AwsApiError(
            'ValidationException',
            "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
          );
        if (entries.length > MAX_ENTRIES)
          throw new AwsApiError(
            'ValidationException',
            `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
          );
        if (Buffer.byteLength(JSON.stringify(entries)) > MAX_REQUEST_BYTES)
          throw new AwsApiError(
            'ValidationException',
            'Total size of the entries in the request is over the limit.',
          );
        const results = (entries as Entry[]).map((entry): EntryResult => {
          const checked = check(entry);
          if (!('detail' in checked)) return checked;
          const event = bus.publish({
            source: entry.Source!,
            'detail-type': entry.DetailType!,
            detail: checked.detail,
            resources: entry.Resources ?? [],
            eventBusName: busName(entry.EventBusName),
            ...(typeof entry.Time === 'number' ? { time: eventTime(entry.Time * 1000) } : {}),
          });
          return { EventId: event.id };
        });
        const response: PutEventsResponse = {
          FailedEntryCount: results.filter((r) => r.ErrorCode).length,
          Entries: results,
        };
        return response;
      },
    },
  };
}
