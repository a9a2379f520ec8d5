import { instrumentClients, observeCalls } from './clients.ts';
import { VirtualClock } from './clock.ts';
import { createCloudWatchService } from './emulator/cloudwatch.ts';
import { createEndpointService, type EndpointStatusChange } from './emulator/endpoints.ts';
import { ledgerKeys } from '#lib/aws/ledger/keys';
import {
  startEmulator,
  type BusEvent,
  type DynamoWorld,
  type Emulator,
  type JournalEntry,
} from './emulator/index.ts';
import { createTaggingService } from './emulator/tagging.ts';
import { createServiceQuotasService } from './emulator/servicequotas.ts';
import { Executions, type ExecutionRecord, type HistoryEvent } from './executions.ts';
import type { Fleet } from './fleet.ts';
import { retarget } from './front.ts';
import { LambdaRuntime, prepareEnvironment, triggerCaller } from './lambda.ts';
import { Router, type Delivery } from './router.ts';
import { notebooksDown } from './timeline.ts';
import type { NotebookChange } from './emulator/notebooks.ts';

export interface SandboxEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  time?: string;
  [key: string]: unknown;
}

/** The `--json` document of `caretaker sandbox run` (DESIGN.md, "Sandbox contract"). */
export interface SandboxResult {
  executions: Array<{
    stateMachine: string;
    name: string;
    trigger: { source: string; detailType: string };
    status: string;
    output: unknown;
    error?: { error: string; cause: string };
    stats: {
      transitions: number;
      lambdaInvocations: number;
      sagemakerCalls: Record<string, number>;
      virtualSeconds: number;
      maxNotebooksDown: number;
      /** The largest input or output of any of its states, its children's included (bytes of JSON). */
      largestPayloadBytes: number;
    };
  }>;
  ignoredEvents: Array<{ index: number; reason: string }>;
  /** The peak of notebooks InService at the run's start and down at the same moment, all executions together. */
  maxNotebooksDown: number;
  rejectedEvents: Array<{ index: number; errors: Array<{ field: string; message: string }> }>;
  fleet: {
    notebooks: Array<Record<string, unknown>>;
    endpoints: Array<Record<string, unknown>>;
    endpointConfigs: string[];
    alarms: Array<Record<string, unknown>>;
  };
  events: Array<{ source: string; 'detail-type': string; detail: unknown }>;
}

/** What a run leaves besides the contract document: the raw material of reports and benchmarks. */
export interface SandboxRun {
  result: SandboxResult;
  start: number;
  end: number;
  notebookHistory: NotebookChange[];
  trafficHistory: Array<{ endpoint: string; at: number; weights: Record<string, number> }>;
  endpointHistory: readonly EndpointStatusChange[];
  alarmHistory: Array<{ name: string; state: string; at: number }>;
  emitted: BusEvent[];
  calls: Record<string, Record<string, number>>;
  /** Every Map Run's child executions, each with its own history and stats (the parents' stats include them). */
  children: ChildExecutionRun[];
  /** The executions the run started (not Map children): what the contract document leaves out of them. */
  records: Array<{
    arn: string;
    name: string;
    stateMachine: string;
    input: unknown;
    startedAt: number;
    stoppedAt?: number;
  }>;
  /** Every request the emulator received: when, which operation on what, who called, what came of it. */
  journal: readonly JournalEntry[];
  /** The DynamoDB tables as the run left them (caretaker's ledger): what a window remembers for the next. */
  ledger: DynamoWorld;
}

export interface ChildExecutionRun {
  parent: string;
  mapRunArn: string;
  arn: string;
  name: string;
  status: string;
  input: unknown;
  output?: unknown;
  error?: { error: string; cause: string };
  stats: ExecutionRecord['stats'];
  history: HistoryEvent[];
}

/** An execution a run starts directly, at a virtual time (a test's own state machine, say). */
export interface DirectStart {
  stateMachine: string;
  name: string;
  input: unknown;
  at?: number;
}

/**
 * A direct Lambda invocation at a virtual time, as EventBridge Scheduler makes them (a patch group's
 * window, the daily audit). `label` names it in progress and in `executions[].trigger`.
 */
export interface ScheduledInvocation {
  at: number;
  functionKey: string;
  payload: unknown;
  label: { source: string; detailType: string };
}

/**
 * What a run reports while it runs, at the virtual time it happens: an event delivered (and what came of
 * it), an execution started or finished, an event caretaker emitted, and a patch window's progress each time
 * one of its notebooks changes.
 */
export type Progress =
  | { kind: 'delivered'; at: number; text: string }
  | { kind: 'started'; at: number; text: string; execution: string; stateMachine: string }
  | {
      kind: 'finished';
      at: number;
      text: string;
      execution: string;
      stateMachine: string;
      status: string;
      output: unknown;
    }
  | { kind: 'event'; at: number; text: string; detailType: string; detail: unknown }
  | ({ kind: 'window'; at: number; text: string; execution: string } & WindowProgress);

/** A patch window's progress: its notebooks, how many have ended, how many it has down now, how many ended badly. */
export interface WindowProgress {
  planned: number;
  done: number;
  down: number;
  errors: number;
}

/** Operations on one notebook instance (their resource is the notebook's name). */
const NOTEBOOK_OPERATIONS = /NotebookInstance$/;

/** Everything a sandbox world is made of: the emulator, the executions, the functions, the rules. */
export interface SandboxWorld {
  clock: VirtualClock;
  emulator: Emulator;
  executions: Executions;
  lambdas: LambdaRuntime;
  router: Router;
  world: {
    endpoints: ReturnType<typeof createEndpointService>;
    cloudwatch: ReturnType<typeof createCloudWatchService>;
  };
  close(): Promise<void>;
}

/**
 * Builds a fleet's world on `clock`: the emulator with every service, the state machines on the local
 * interpreter, the functions, the rules; the process's SDK clients point at it until `close`. `sandbox run`
 * drives it to the end on virtual time, `sandbox serve` keeps it open on wall-clock time.
 */
export async function openWorld(
  fleet: Fleet,
  clock: VirtualClock,
  options: { stateMachines?: Record<string, Record<string, unknown>> } = {},
): Promise<SandboxWorld> {
  await prepareEnvironment();
  // Started executions' triggers, by execution name, until the execution records them.
  const pendingTriggers = new Map<string, { source: string; detailType: string; index: number }>();
  await instrumentClients();
  clock.install();
  const cloudwatch = createCloudWatchService(fleet);
  const endpoints = createEndpointService(fleet, cloudwatch.world);
  const lambdas = new LambdaRuntime(clock, fleet.faults);
  const executions = new Executions(clock, lambdas, {
    historyLength: () => emulator.notebooks.history.length,
    seed: fleet.faults.seed,
    ...(options.stateMachines ? { definitions: options.stateMachines } : {}),
  });
  const emulator = await startEmulator(fleet, {
    // Step Functions among the services, so that its executions' status changes reach the default bus.
    services: [endpoints, cloudwatch, createServiceQuotasService(fleet), executions.service(pendingTriggers)],
    schedule: (at, fire) => clock.schedule(at, fire),
  });
  retarget(emulator.respond);
  observeCalls({
    call: (caller, service, operation) => executions.countCall(caller?.execution, service, operation),
    starting: (name, trigger) => pendingTriggers.set(name, trigger),
  });
  emulator.register(createTaggingService(emulator.notebooks));
  const router = await Router.load(lambdas);
  return {
    clock,
    emulator,
    executions,
    lambdas,
    router,
    world: { endpoints, cloudwatch },
    close: async () => {
      observeCalls(undefined);
      retarget(undefined);
      await emulator.close();
      clock.uninstall();
    },
  };
}

const STATUS_CHANGE = 'Step Functions Execution Status Change';
const NOTEBOOK_CHANGE = 'SageMaker Notebook Instance State Change';

/**
 * Reports what happens in a world as it happens: the executions that start and finish (their status change
 * events), the events caretaker emits, and each running patch window's progress when one of its notebooks
 * changes (read from the window's children and its ledger pages, as an operator would read them).
 */
export function watchProgress(world: SandboxWorld, report: (p: Progress) => void): (event: BusEvent) => void {
  const { clock, executions, emulator } = world;
  const windows = new Map<string, { planned?: number; last?: string }>();
  const table = process.env.LEDGER_TABLE_NAME ?? 'caretaker-ledger';
  const item = (pk: string) => emulator.ledger.get(table, { pk: { S: pk } });
  const windowProgress = (record: ExecutionRecord): WindowProgress | undefined => {
    const seen = windows.get(record.arn) ?? {};
    windows.set(record.arn, seen);
    const page = item(ledgerKeys.window(record.name));
    if (!page) return undefined;
    seen.planned ??= Array.from({ length: Number(page.rounds?.N ?? 0) }, (_, i) => i).reduce(
      (n, i) => n + (JSON.parse(item(ledgerKeys.round(record.name, i))?.names?.S ?? '[]') as string[]).length,
      0,
    );
    const running = record.children.filter((c) => c.status === 'RUNNING');
    const down = running.filter((c) => {
      const name = (c.input as { name?: string }).name ?? '';
      const status = emulator.notebooks.get(name)?.status;
      return (
        status !== undefined &&
        status !== 'InService' &&
        item(ledgerKeys.notebook(name))?.owner?.S === record.name
      );
    }).length;
    return {
      planned: seen.planned,
      done: record.children.length - running.length,
      down,
      errors: Number(page.failures?.N ?? 0),
    };
  };
  /** Reports a window's progress when it moved since the last report. */
  const reportWindow = (record: ExecutionRecord, at: number) => {
    const progress = windowProgress(record);
    const key = JSON.stringify(progress);
    if (!progress || windows.get(record.arn)?.last === key) return;
    windows.get(record.arn)!.last = key;
    report({
      kind: 'window',
      at,
      text: `${record.name}: ${progress.done}/${progress.planned} notebooks done, ${progress.down} down now, ${progress.errors} error(s)`,
      execution: record.name,
      ...progress,
    });
  };
  return (event) => {
    const at = clock.now();
    const detail = event.detail as Record<string, unknown>;
    if (event.source === 'caretaker')
      report({ kind: 'event', at, text: event['detail-type'], detailType: event['detail-type'], detail });
    if (event.source === 'aws.states' && event['detail-type'] === STATUS_CHANGE) {
      const record = executions.records.find((r) => r.arn === detail.executionArn);
      if (!record) return;
      if (detail.status === 'RUNNING')
        report({
          kind: 'started',
          at,
          text: `started ${record.stateMachine} ${record.name}`,
          execution: record.name,
          stateMachine: record.stateMachine,
        });
      else {
        // The last cycles end after their notebook's last state change: the window's final count comes with its end.
        if (record.stateMachine === 'notebook-patch') reportWindow(record, at);
        report({
          kind: 'finished',
          at,
          text: `finished ${record.stateMachine} ${record.name}: ${record.status}`,
          execution: record.name,
          stateMachine: record.stateMachine,
          status: record.status,
          output: record.output ?? null,
        });
      }
    }
    if (event.source === 'aws.sagemaker' && event['detail-type'] === NOTEBOOK_CHANGE) {
      for (const record of executions.records) {
        if (record.stateMachine === 'notebook-patch' && record.status === 'RUNNING') reportWindow(record, at);
      }
    }
  };
}

/**
 * Runs a fleet and a list of events to the end, on virtual time: each event is delivered at its `time`
 * (or at once, when that is in the past) through the real rule patterns to the real trigger handlers, and
 * every workflow they start runs on the local interpreter against the emulator.
 */
export async function runSandbox(
  fleet: Fleet,
  events: SandboxEvent[],
  options: {
    onProgress?: (p: Progress) => void;
    invocations?: ScheduledInvocation[];
    /** More state machines by name, written like the ASL files, that `executions` may start. */
    stateMachines?: Record<string, Record<string, unknown>>;
    executions?: DirectStart[];
  } = {},
): Promise<SandboxRun> {
  const clock = new VirtualClock(fleet.start);
  const sandbox = await openWorld(fleet, clock, options);
  const { emulator, executions, lambdas, router } = sandbox;
  const { endpoints, cloudwatch } = sandbox.world;
  try {
    const emitted: BusEvent[] = [];
    const ignoredEvents: SandboxResult['ignoredEvents'] = [];
    const rejectedEvents: SandboxResult['rejectedEvents'] = [];
    const deliveries: Promise<void>[] = [];
    const progress = options.onProgress;
    const report = (text: string) => progress?.({ kind: 'delivered', at: clock.now(), text });
    const watch = progress ? watchProgress(sandbox, progress) : undefined;

    // Not tracked as a whole: Lambda retries a failed delivery minutes later, on the virtual clock.
    const deliver = async (event: SandboxEvent | BusEvent, index: number | undefined) => {
      const outcome: Delivery = await router.deliver(event, index === undefined ? undefined : { index });
      if (index === undefined) return;
      if (outcome.rejected) rejectedEvents.push({ index, errors: outcome.rejected });
      else if (outcome.ignored) ignoredEvents.push({ index, reason: outcome.ignored });
      report(`event ${index} (${event['detail-type']}): ${outcome.summary}`);
    };

    emulator.onEvent((event) => {
      if (event.source === 'caretaker') emitted.push(event);
      watch?.(event);
      // AWS service events and caretaker's own go through the rules like any other event on a bus.
      deliveries.push(deliver(event, undefined));
    });
    events.forEach((event, index) => {
      const at = event.time ? Math.max(Date.parse(event.time), clock.now()) : clock.now();
      deliveries.push(
        new Promise<void>((resolve, reject) =>
          clock.schedule(at, () => {
            deliver(event, index).then(resolve, reject);
          }),
        ),
      );
    });

    (options.invocations ?? []).forEach((invocation, index) => {
      deliveries.push(
        new Promise<void>((resolve) =>
          clock.schedule(Math.max(invocation.at, clock.now()), () => {
            const trigger = { ...invocation.label, index };
            lambdas
              .invokeAsync(invocation.functionKey, invocation.payload, {
                caller: triggerCaller(trigger),
                trigger,
              })
              .then(
                (result) => report(`${invocation.label.detailType}: ${JSON.stringify(result)}`),
                (err: Error) => report(`${invocation.label.detailType}: failed, ${err.name}: ${err.message}`),
              )
              .then(resolve);
          }),
        ),
      );
    });

    for (const start of options.executions ?? []) {
      deliveries.push(
        new Promise<void>((resolve, reject) =>
          clock.schedule(Math.max(start.at ?? clock.now(), clock.now()), () => {
            try {
              executions.start(start.stateMachine, start.name, start.input, {
                source: 'api',
                detailType: 'StartExecution',
              });
              resolve();
            } catch (err) {
              reject(err as Error);
            }
          }),
        ),
      );
    }

    const settleAll = async () => {
      for (;;) {
        const before = deliveries.length + executions.records.length;
        await Promise.all(deliveries);
        await Promise.all(executions.pending);
        await lambdas.idle();
        if (deliveries.length + executions.records.length === before) return;
      }
    };
    await clock.drive(settleAll());
    if (emulator.internalErrors.length > 0) {
      throw new Error(
        `the emulator failed internally: ${emulator.internalErrors.map((e) => e.stack).join('\n')}`,
      );
    }

    const history = emulator.notebooks.history;
    // The notebooks an execution concerns: those its steps (its Map children's included) named in a call.
    const callers = new Map<string, string>();
    for (const record of executions.all) {
      let top = record;
      while (top.parent) top = top.parent;
      callers.set(record.arn, top.arn);
    }
    const named = new Map<string, Set<string>>();
    for (const entry of emulator.journal) {
      const top = entry.caller && callers.get(entry.caller);
      if (!top || entry.service !== 'sagemaker' || !NOTEBOOK_OPERATIONS.test(entry.operation)) continue;
      named.set(top, (named.get(top) ?? new Set()).add(entry.resource));
    }
    const concerned = (r: ExecutionRecord) => named.get(r.arn) ?? new Set<string>();
    const world = endpoints.world.snapshot();
    const result: SandboxResult = {
      executions: executions.records.map((r) => ({
        stateMachine: r.stateMachine,
        name: r.name,
        trigger: r.trigger,
        status: r.status,
        output: r.output ?? null,
        ...(r.error ? { error: r.error } : {}),
        stats: {
          ...r.stats,
          virtualSeconds: Math.round(((r.stoppedAt ?? clock.now()) - r.startedAt) / 1000),
          maxNotebooksDown: notebooksDown(history, r.historyMark, r.stoppedAt ?? clock.now(), concerned(r)),
        },
      })),
      ignoredEvents: ignoredEvents.sort((a, b) => a.index - b.index),
      // The history opens with the fleet's initial statuses, one per notebook: the run's starting state.
      maxNotebooksDown: notebooksDown(history, fleet.notebooks.length, clock.now()),
      rejectedEvents: rejectedEvents.sort((a, b) => a.index - b.index),
      fleet: {
        notebooks: emulator.notebooks.snapshot(),
        endpoints: world.endpoints,
        endpointConfigs: world.endpointConfigs,
        alarms: world.alarms,
      },
      events: emitted.map((e) => ({ source: e.source, 'detail-type': e['detail-type'], detail: e.detail })),
    };
    return {
      result,
      start: fleet.start,
      end: clock.now(),
      notebookHistory: history,
      trafficHistory: endpoints.world.trafficHistory,
      endpointHistory: endpoints.world.statusHistory,
      alarmHistory: cloudwatch.world.history ?? [],
      emitted,
      calls: emulator.calls,
      records: executions.records.map((r) => ({
        arn: r.arn,
        name: r.name,
        stateMachine: r.stateMachine,
        input: r.input,
        startedAt: r.startedAt,
        ...(r.stoppedAt !== undefined ? { stoppedAt: r.stoppedAt } : {}),
      })),
      journal: emulator.journal,
      ledger: emulator.ledger,
      children: executions.all
        .filter((r) => r.parent)
        .map((r) => ({
          parent: r.parent!.arn,
          mapRunArn: r.mapRunArn!,
          arn: r.arn,
          name: r.name,
          status: r.status,
          input: r.input,
          ...(r.output !== undefined ? { output: r.output } : {}),
          ...(r.error ? { error: r.error } : {}),
          stats: r.stats,
          history: r.history,
        })),
    };
  } finally {
    await sandbox.close();
  }
}
