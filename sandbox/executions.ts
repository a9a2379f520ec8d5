import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { parse as parseYaml } from 'yaml';
import type { VirtualClock } from './clock.ts';
import { unitInterval } from './emulator/faults.ts';
import { AwsApiError, type EmittedEvent, type ServiceEmulator } from './emulator/types.ts';
import {
  ACCOUNT,
  REGION,
  stateMachineArn,
  STATE_MACHINES,
  type LambdaRuntime,
  type StateMachineName,
} from './lambda.ts';
import { mapRunIdentity, runMapRun, type DistributedMapRequest } from './stepfunctions/map-run.ts';
import { checkExecutionInput, MAX_PAYLOAD_BYTES } from './stepfunctions/quotas.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Json = Record<string, unknown>;

/**
 * A definition as packaging deploys it: each Task's `Resource: ${functionKey}` becomes the function's ARN, and
 * `tasks` says which function each Task state (Map processors included) invokes.
 */
export function prepareDefinition(
  name: string,
  source: Json,
): { definition: Json; tasks: Map<string, string> } {
  const definition = structuredClone(source);
  const tasks = new Map<string, string>();
  const visit = (states: Record<string, Json>) => {
    for (const [stateName, state] of Object.entries(states)) {
      const resource = state.Resource;
      if (state.Type === 'Task' && typeof resource === 'string') {
        const key = /^\$\{(\w+)\}$/.exec(resource)?.[1];
        if (!key)
          throw new Error(`${name}: state ${stateName} has Resource ${resource}, expected \${functionKey}`);
        if (tasks.has(stateName)) throw new Error(`${name}: state name ${stateName} is used twice`);
        tasks.set(stateName, key);
        state.Resource = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:caretaker-${key}`;
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
      if (processor) visit(processor.States as Record<string, Json>);
      for (const branch of (state.Branches as Json[] | undefined) ?? [])
        visit(branch.States as Record<string, Json>);
    }
  };
  visit(definition.States as Record<string, Json>);
  return { definition, tasks };
}

/** The ASL file as deployed (see `prepareDefinition`). */
export function loadDefinition(name: StateMachineName): { definition: Json; tasks: Map<string, string> } {
  return prepareDefinition(
    name,
    parseYaml(readFileSync(path.join(ROOT, 'statemachines', `${name}.asl.yaml`), 'utf8')) as Json,
  );
}

export interface ExecutionStats {
  transitions: number;
  lambdaInvocations: number;
  sagemakerCalls: Record<string, number>;
  /** The largest input or output any of its states had (its children's too), in UTF-8 bytes of JSON. */
  largestPayloadBytes: number;
  virtualSeconds: number;
  maxNotebooksDown: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One event of an execution's history, as the interpreter logged it. */
export interface HistoryEvent {
  type: string;
  at: number;
  state?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionRecord {
  stateMachine: string;
  /** `…:stateMachine:caretaker-<machine>`; `…/<label>` for a Map Run's child, as AWS names it. */
  stateMachineArn: string;
  name: string;
  arn: string;
  trigger: { source: string; detailType: string };
  triggerIndex?: number;
  input: unknown;
  status: ExecutionStatus;
  output?: unknown;
  error?: { error: string; cause: string };
  startedAt: number;
  /** The notebook history's length when the execution started (see timeline.ts). */
  historyMark: number;
  stoppedAt?: number;
  /** Its own transitions, invocations and SageMaker calls, with those of its Map Runs' children. */
  stats: Omit<ExecutionStats, 'virtualSeconds' | 'maxNotebooksDown'>;
  history: HistoryEvent[];
  /** A Map Run's child: the execution and the Map Run that started it. */
  parent?: ExecutionRecord;
  mapRunArn?: string;
  children: ExecutionRecord[];
  done: Promise<void>;
  /** Stops it as StopExecution does: a Lambda invocation in flight finishes, no further state runs. */
  abort(): void;
}

interface Machine {
  arn: string;
  machine: StateMachine;
  tasks: Map<string, string>;
}

function compile(name: string, { definition, tasks }: ReturnType<typeof prepareDefinition>): Machine {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  return { arn: stateMachineArn(name), machine, tasks };
}

/** State machines by name and definition, validated once per process (runs only read them). */
const compiled = new Map<string, Machine>();

function compiledOnce(name: string, prepare: () => ReturnType<typeof prepareDefinition>, text = ''): Machine {
  const key = `${name}\u0000${text}`;
  let machine = compiled.get(key);
  if (!machine) {
    machine = compile(name, prepare());
    compiled.set(key, machine);
  }
  return machine;
}

interface LoggedEvent {
  type: string;
  timestamp: number;
  state?: { name: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
}

/** EventBridge leaves out an input or output over this many escaped bytes (the event quota's margin). */
const EVENT_PAYLOAD_BYTES = 248 * 1024;

/**
 * The `Step Functions Execution Status Change` event a Standard execution emits on the default bus when it
 * starts and when it ends (AWS Step Functions Developer Guide, "EventBridge (CloudWatch Events) for Step
 * Functions execution status changes"): "if the combined escaped input and escaped output … exceeds 248KB,
 * then the input will be excluded … if the escaped output exceeds 248KB, then the output will be excluded".
 */
export function statusChangeEvent(record: ExecutionRecord): EmittedEvent {
  const escaped = (text: string | null) => (text === null ? 0 : JSON.stringify(text).length);
  let output = record.output === undefined ? null : JSON.stringify(record.output);
  if (escaped(output) > EVENT_PAYLOAD_BYTES) output = null;
  let input: string | null = JSON.stringify(record.input);
  if (escaped(input) + escaped(output) > EVENT_PAYLOAD_BYTES) input = null;
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    resources: [record.arn],
    detail: {
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startedAt,
      stopDate: record.stoppedAt ?? null,
      input,
      output,
      inputDetails: { included: input !== null },
      outputDetails: record.output === undefined ? null : { included: output !== null },
      ...(record.error ? { error: record.error.error, cause: record.error.cause } : {}),
    },
  };
}

/** The role a sandbox execution runs as (`$$.Execution.RoleArn`). */
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/caretaker-sandbox`;

export interface ExecutionsOptions {
  /** How many notebook status changes the emulator has recorded so far. */
  historyLength?: () => number;
  /** The fleet's `faults.seed`: varies Retry's full jitter like the other faults. */
  seed?: number;
  /** More state machines by name, defined like the ASL files (tests run small ones on the same interpreter). */
  definitions?: Record<string, Json>;
}

/**
 * Runs the real state machines on the local interpreter, on virtual time, with every Task calling the real
 * handler through the run's Lambda service, and distributed Maps as Map Runs of child executions; and serves
 * `AWSStepFunctions.StartExecution` so the triggers start them exactly as in AWS.
 */
export class Executions {
  /** The executions started by name (a Map Run's children are under their parent's `children`). */
  readonly records: ExecutionRecord[] = [];
  readonly #byArn = new Map<string, ExecutionRecord>();
  readonly #machines = new Map<string, Machine>();
  readonly #processors = new WeakMap<object, StateMachine>();
  readonly #mapRuns = new Map<ExecutionRecord, number>();
  #emit: (event: EmittedEvent) => void = () => undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly lambdas: LambdaRuntime,
    private readonly options: ExecutionsOptions = {},
  ) {
    for (const name of STATE_MACHINES)
      this.#machines.set(
        name,
        compiledOnce(name, () => loadDefinition(name)),
      );
    for (const [name, definition] of Object.entries(options.definitions ?? {})) {
      const prepare = () => prepareDefinition(name, definition);
      this.#machines.set(name, compiledOnce(name, prepare, JSON.stringify(definition)));
    }
  }

  /** Every execution, children included. */
  get all(): ExecutionRecord[] {
    return [...this.#byArn.values()];
  }

  get pending(): Promise<void>[] {
    return this.all.map((r) => r.done);
  }

  find(execution: string): ExecutionRecord | undefined {
    return this.#byArn.get(execution);
  }

  start(
    stateMachine: string,
    name: string,
    input: unknown,
    trigger: { source: string; detailType: string; index?: number },
  ): ExecutionRecord {
    const existing = this.records.find((r) => r.stateMachine === stateMachine && r.name === name);
    if (existing) {
      // As Step Functions does for Standard workflows: the same name and input while it runs is idempotent.
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input))
        return existing;
      throw new AwsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
    }
    const machine = this.#machines.get(stateMachine);
    if (!machine) throw new Error(`no state machine named ${stateMachine}`);
    const record = this.#register({
      stateMachine,
      stateMachineArn: machine.arn,
      name,
      arn: `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`,
      trigger: { source: trigger.source, detailType: trigger.detailType },
      ...(trigger.index !== undefined ? { triggerIndex: trigger.index } : {}),
      input,
    });
    this.records.push(record);
    this.#run(record, machine.machine, machine.tasks);
    this.#emit(statusChangeEvent(record));
    void record.done.then(() => this.#emit(statusChangeEvent(record)));
    return record;
  }

  /** Counts an AWS call made inside an execution, and in its ancestors (every attempt, retries included). */
  countCall(execution: string | undefined, service: string, operation: string): void {
    if (!execution || service !== 'sagemaker') return;
    this.#bump(
      this.find(execution),
      (s) => (s.sagemakerCalls[operation] = (s.sagemakerCalls[operation] ?? 0) + 1),
    );
  }

  #register(
    fields: Pick<ExecutionRecord, 'stateMachine' | 'stateMachineArn' | 'name' | 'arn' | 'trigger' | 'input'> &
      Partial<Pick<ExecutionRecord, 'triggerIndex' | 'parent' | 'mapRunArn'>>,
  ): ExecutionRecord {
    const record: ExecutionRecord = {
      ...fields,
      status: 'RUNNING',
      startedAt: this.clock.now(),
      historyMark: this.options.historyLength?.() ?? 0,
      stats: { transitions: 0, lambdaInvocations: 0, sagemakerCalls: {}, largestPayloadBytes: 0 },
      history: [],
      children: [],
      done: Promise.resolve(),
      abort: () => undefined,
    };
    this.#byArn.set(record.arn, record);
    return record;
  }

  #bump(record: ExecutionRecord | undefined, count: (stats: ExecutionRecord['stats']) => void): void {
    for (let r = record; r; r = r.parent) count(r.stats);
  }

  #run(record: ExecutionRecord, machine: StateMachine, tasks: Map<string, string>): void {
    const seed = this.options.seed ?? 0;
    let draws = 0;
    const execution = machine.run(
      record.input as never,
      {
        overrides: {
          taskResourceLocalHandlers: this.#taskHandlers(record, tasks),
          sleep: this.clock.sleep,
          // A Task without TimeoutSeconds has no timeout of its own on AWS; the function's own timeout applies.
          defaultTaskTimeoutSeconds: Infinity,
          distributedMap: (request: DistributedMapRequest) => this.#mapRun(record, tasks, request),
          maxPayloadBytes: MAX_PAYLOAD_BYTES,
          random: () => unitInterval(`${seed}\u0000jitter\u0000${record.arn}\u0000${draws++}`),
        },
        context: { Execution: { Id: record.arn, Name: record.name, RoleArn: EXECUTION_ROLE } },
      } as never,
    );
    record.abort = () => {
      if (record.status !== 'RUNNING') return;
      record.status = 'ABORTED';
      execution.abort();
    };
    const logging = (async () => {
      for await (const event of execution.eventLogs as AsyncIterable<LoggedEvent>) this.#log(record, event);
    })();
    record.done = execution.result
      .then(
        (output) => {
          record.status = 'SUCCEEDED';
          record.output = output;
        },
        (err: Error & { cause?: unknown }) => {
          if (err.name === 'ExecutionAbortedError') {
            record.status = 'ABORTED';
          } else if (err.name === 'ExecutionTimeoutError') {
            record.status = 'TIMED_OUT';
          } else {
            record.status = 'FAILED';
            const inner = (err.cause as Error | undefined) ?? err;
            record.error = { error: inner.name, cause: inner.message };
          }
        },
      )
      .then(async () => {
        record.stoppedAt = this.clock.now();
        await logging.catch(() => undefined);
      });
  }

  #log(record: ExecutionRecord, event: LoggedEvent): void {
    record.history.push({
      type: event.type,
      at: event.timestamp,
      ...(event.state ? { state: event.state.name } : {}),
      ...(event.Error !== undefined ? { error: event.Error } : {}),
      ...(event.Cause !== undefined ? { cause: String(event.Cause) } : {}),
    });
    if (event.type === 'StateEntered') this.#bump(record, (s) => s.transitions++);
    const payload =
      event.type === 'StateEntered'
        ? event.state?.input
        : event.type === 'StateExited'
          ? event.state?.output
          : undefined;
    if (payload !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(payload) ?? '');
      this.#bump(record, (s) => (s.largestPayloadBytes = Math.max(s.largestPayloadBytes, bytes)));
    }
  }

  #taskHandlers(record: ExecutionRecord, tasks: Map<string, string>) {
    return Object.fromEntries(
      [...tasks].map(([stateName, functionKey]) => [
        stateName,
        (event: unknown) => {
          // A stopped execution runs no further state (a Retry of its last Task included).
          if (record.status !== 'RUNNING') return new Promise(() => undefined);
          this.#bump(record, (s) => s.lambdaInvocations++);
          return this.lambdas.invoke(functionKey, event, { caller: record.arn, execution: record.arn });
        },
      ]),
    );
  }

  #mapRun(parent: ExecutionRecord, tasks: Map<string, string>, request: DistributedMapRequest) {
    const ordinal = this.#mapRuns.get(parent) ?? 0;
    this.#mapRuns.set(parent, ordinal + 1);
    const run = mapRunIdentity(parent.stateMachineArn, parent.arn, request.stateName, request.label, ordinal);
    let processor = this.#processors.get(request.processor);
    if (!processor) {
      processor = new StateMachine(request.processor as never, { validationOptions: { noValidate: true } });
      this.#processors.set(request.processor, processor);
    }
    const machine = processor;
    return runMapRun(request, (index, input) => {
      const child = this.#register({
        stateMachine: parent.stateMachine,
        stateMachineArn: run.stateMachineArn,
        ...run.child(index),
        trigger: parent.trigger,
        input,
        parent,
        mapRunArn: run.mapRunArn,
      });
      parent.children.push(child);
      this.#run(child, machine, tasks);
      return child;
    });
  }

  /** `AWSStepFunctions.*` as the triggers call it. */
  service(
    pendingTriggers: Map<string, { source: string; detailType: string; index: number }>,
  ): ServiceEmulator {
    const machineOf = (arn: unknown): string => {
      const found = [...this.#machines].find(([, m]) => m.arn === arn)?.[0];
      if (!found)
        throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
      return found;
    };
    return {
      targetPrefix: 'AWSStepFunctions',
      service: 'states',
      attach: (context) => {
        this.#emit = (event) => context.emit(event);
      },
      operations: {
        StartExecution: (input) => {
          const name = String(input.name ?? '');
          if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
            throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
          const text = String(input.input ?? '{}');
          checkExecutionInput(text);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            throw new AwsApiError('InvalidExecutionInput', 'Invalid Execution Input: not JSON');
          }
          const trigger = pendingTriggers.get(name) ?? {
            source: 'api',
            detailType: 'StartExecution',
            index: -1,
          };
          const record = this.start(machineOf(input.stateMachineArn), name, parsed, trigger);
          return { executionArn: record.arn, startDate: record.startedAt / 1000 };
        },
        DescribeExecution: (input) => {
          const record = this.find(String(input.executionArn));
          if (!record) throw new AwsApiError('ExecutionDoesNotExist', 'Execution Does Not Exist');
          return {
            executionArn: record.arn,
            stateMachineArn: record.stateMachineArn,
            name: record.name,
            status: record.status,
            startDate: record.startedAt / 1000,
            ...(record.stoppedAt !== undefined ? { stopDate: record.stoppedAt / 1000 } : {}),
            ...(record.mapRunArn ? { mapRunArn: record.mapRunArn } : {}),
            ...(record.output !== undefined ? { output: JSON.stringify(record.output) } : {}),
            ...(record.error ? { error: record.error.error, cause: record.error.cause } : {}),
          };
        },
      },
    };
  }
}
