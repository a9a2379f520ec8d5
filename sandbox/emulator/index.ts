import type { Fleet } from '../fleet.ts';
import {
  createDynamoService,
  LEDGER_TABLE,
  stackKeySchema,
  type DynamoWorld,
  type KeySchema,
} from './dynamodb.ts';
import { EventBus, createEventBridgeService, type BusEvent } from './eventbridge.ts';
import { FaultInjector } from './faults.ts';
import { createNotebookService, type NotebookWorld } from './notebooks.ts';
import { ServiceRegistry, startServer, type JournalEntry, type Respond } from './server.ts';
import type { OperationContext, ServiceEmulator } from './types.ts';

export type { BusEvent } from './eventbridge.ts';
export type { NotebookWorld, NotebookRecord, NotebookSnapshot } from './notebooks.ts';
export type { DynamoWorld, KeySchema } from './dynamodb.ts';
export { CALLER_HEADER, type JournalEntry } from './server.ts';

export interface Emulator {
  url: string;
  /** What `url` answers, without a socket: for the in-process front (see front.ts). */
  respond: Respond;
  close(): Promise<void>;
  /** `calls[service][operation]`: every request received, injected faults and errors included. */
  calls: Record<string, Record<string, number>>;
  /** Every request received, in arrival order, with its caller and what happened (see `JournalEntry`). */
  journal: readonly JournalEntry[];
  register(service: ServiceEmulator): void;
  /** Every event put on any bus, or emitted by an emulated service (on `default`). */
  onEvent(listener: (event: BusEvent) => void): void;
  notebooks: NotebookWorld;
  ledger: DynamoWorld;
  /** The emulator's own failures (answered 500 InternalFailure): a run or test should fail on any. */
  internalErrors: Error[];
}

export interface EmulatorOptions {
  services?: ServiceEmulator[];
  /** Runs `fire` at virtual time `atMs`; the sandbox passes its VirtualClock's `schedule`. */
  schedule?: (atMs: number, fire: () => void) => void;
  /** The DynamoDB tables by name; default: the stack's ledger with the key schema serverless.yml declares. */
  tables?: Record<string, KeySchema>;
}

/** Without a virtual clock, scheduled changes happen on real time. */
const realTimeSchedule = (atMs: number, fire: () => void) => {
  setTimeout(fire, Math.max(0, atMs - Date.now())).unref();
};

/**
 * Starts the emulator for one fleet on `127.0.0.1` at a free port: SageMaker notebooks, EventBridge
 * PutEvents and the DynamoDB subset built in, plus `options.services` (endpoints, CloudWatch, Step
 * Functions). Faults from `fleet.faults` apply to SageMaker and CloudWatch operations, `fleet.faults.dynamodb`
 * and `fleet.faults.eventbridge` to those services.
 *
 * @example
 *   const emulator = await startEmulator(fleet, { services: [endpoints], schedule: (at, fire) => clock.schedule(at, fire) });
 *   const sagemaker = new SageMakerClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
 */
export async function startEmulator(fleet: Fleet, options: EmulatorOptions = {}): Promise<Emulator> {
  const internalErrors: Error[] = [];
  const calls: Emulator['calls'] = {};
  const journal: JournalEntry[] = [];
  const bus = new EventBus(fleet, (err) => internalErrors.push(err));
  const schedule = options.schedule ?? realTimeSchedule;
  const context: OperationContext = {
    now: () => Date.now(),
    emit: (event) => {
      bus.publish(event);
    },
    schedule: (atMs, fire) =>
      schedule(atMs, () => {
        try {
          fire();
        } catch (err) {
          // A scheduled change runs outside any request: nobody else would see its failure.
          internalErrors.push(err instanceof Error ? err : new Error(String(err)));
        }
      }),
  };

  const registry = new ServiceRegistry();
  const notebooks = createNotebookService(fleet, context, (arn) =>
    (options.services ?? []).map((s) => s.tagsOf?.(arn)).find((tags) => tags !== undefined),
  );
  const dynamodb = createDynamoService(options.tables ?? { [LEDGER_TABLE]: stackKeySchema('LedgerTable') });
  for (const service of [notebooks, createEventBridgeService(bus), dynamodb, ...(options.services ?? [])])
    registry.register(service);
  for (const service of options.services ?? []) service.attach?.(context);

  const server = await startServer({
    registry,
    faults: new FaultInjector(fleet.faults),
    calls,
    journal,
    internalErrors,
    context,
  });

  return {
    url: server.url,
    respond: server.respond,
    close: () => server.close(),
    calls,
    journal,
    register: (service) => registry.register(service),
    onEvent: (listener) => bus.onEvent(listener),
    notebooks: notebooks.world,
    ledger: dynamodb.world,
    internalErrors,
  };
}
