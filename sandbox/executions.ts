import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { parse as parseYaml } from 'yaml';
import type { VirtualClock } from './clock.ts';
import { AwsApiError, type ServiceEmulator } from './emulator/types.ts';
import {
  ACCOUNT,
  invoke,
  REGION,
  scope,
  stateMachineArn,
  STATE_MACHINES,
  type StateMachineName,
} from './lambda.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Json = Record<string, unknown>;

/** The ASL file as deployed, and for each Task state the function its `Resource: ${functionKey}` names. */
export function loadDefinition(name: StateMachineName): { definition: Json; tasks: Map<string, string> } {
  const definition = parseYaml(
    readFileSync(path.join(ROOT, 'statemachines', `${name}.asl.yaml`), 'utf8'),
  ) as Json;
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
        // What packaging does with the deployed function's ARN, done here with the sandbox's.
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

export interface ExecutionStats {
  transitions: number;
  lambdaInvocations: number;
  sagemakerCalls: Record<string, number>;
  virtualSeconds: number;
  maxNotebooksDown: number;
}

export interface ExecutionRecord {
  stateMachine: StateMachineName;
  name: string;
  arn: string;
  trigger: { source: string; detailType: string };
  triggerIndex?: number;
  input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: { error: string; cause: string };
  startedAt: number;
  /** The notebook history's length when the execution started (see timeline.ts). */
  historyMark: number;
  stoppedAt?: number;
  stats: Omit<ExecutionStats, 'virtualSeconds' | 'maxNotebooksDown'>;
  done: Promise<void>;
}

/**
 * Runs the real state machines on the local interpreter, on virtual time, with every Task calling the real
 * handler; and serves `AWSStepFunctions.StartExecution` so the triggers start them exactly as in AWS.
 */
export class Executions {
  readonly records: ExecutionRecord[] = [];
  readonly #machines = new Map<StateMachineName, { machine: StateMachine; tasks: Map<string, string> }>();

  /** `historyLength` says how many notebook status changes the emulator has recorded so far. */
  constructor(
    private readonly clock: VirtualClock,
    private readonly historyLength: () => number = () => 0,
  ) {
    for (const name of STATE_MACHINES) {
      const { definition, tasks } = loadDefinition(name);
      const machine = new StateMachine(definition as never, {
        validationOptions: { checkArn: false },
      });
      this.#machines.set(name, { machine, tasks });
    }
  }

  get pending(): Promise<void>[] {
    return this.records.map((r) => r.done);
  }

  find(execution: string): ExecutionRecord | undefined {
    return this.records.find((r) => r.arn === execution);
  }

  start(
    stateMachine: StateMachineName,
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
    const { machine, tasks } = this.#machines.get(stateMachine)!;
    const arn = `${stateMachineArn(stateMachine).replace(':stateMachine:', ':execution:')}:${name}`;
    const record: ExecutionRecord = {
      stateMachine,
      name,
      arn,
      trigger: { source: trigger.source, detailType: trigger.detailType },
      input,
      ...(trigger.index !== undefined ? { triggerIndex: trigger.index } : {}),
      status: 'RUNNING',
      startedAt: this.clock.now(),
      historyMark: this.historyLength(),
      stats: { transitions: 0, lambdaInvocations: 0, sagemakerCalls: {} },
      done: Promise.resolve(),
    };
    const taskResourceLocalHandlers = Object.fromEntries(
      [...tasks].map(([stateName, functionKey]) => [
        stateName,
        (event: unknown) =>
          this.clock.track(() => {
            record.stats.lambdaInvocations++;
            return scope.run({ execution: arn }, () => invoke(functionKey, event));
          }),
      ]),
    );
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers, sleep: this.clock.sleep } as never,
      context: { Execution: { Id: arn, Name: name, RoleArn: 'sandbox' } } as never,
    });
    const counting = (async () => {
      for await (const event of execution.eventLogs) {
        if ((event as { type: string }).type === 'StateEntered') record.stats.transitions++;
      }
    })();
    record.done = execution.result
      .then(
        (output) => {
          record.status = 'SUCCEEDED';
          record.output = output;
        },
        (err: Error & { cause?: unknown }) => {
          record.status = err.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
          const inner = (err.cause as Error | undefined) ?? err;
          record.error = { error: inner.name, cause: inner.message };
        },
      )
      .then(async () => {
        record.stoppedAt = this.clock.now();
        await counting.catch(() => undefined);
      });
    this.records.push(record);
    return record;
  }

  /** Counts an AWS call made inside an execution (the client-side view: every attempt, retries included). */
  countCall(execution: string | undefined, service: string, operation: string): void {
    if (!execution || service !== 'sagemaker') return;
    const record = this.find(execution);
    if (record) record.stats.sagemakerCalls[operation] = (record.stats.sagemakerCalls[operation] ?? 0) + 1;
  }

  /** `AWSStepFunctions.*` as the triggers call it. */
  service(
    pendingTriggers: Map<string, { source: string; detailType: string; index: number }>,
  ): ServiceEmulator {
    const machineOf = (arn: unknown): StateMachineName => {
      const found = STATE_MACHINES.find((n) => stateMachineArn(n) === arn);
      if (!found)
        throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
      return found;
    };
    return {
      targetPrefix: 'AWSStepFunctions',
      service: 'states',
      operations: {
        StartExecution: (input) => {
          const name = String(input.name ?? '');
          if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
            throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
          let parsed: unknown;
          try {
            parsed = JSON.parse(String(input.input ?? '{}'));
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
            stateMachineArn: stateMachineArn(record.stateMachine),
            name: record.name,
            status: record.status,
            startDate: record.startedAt / 1000,
            ...(record.output !== undefined ? { output: JSON.stringify(record.output) } : {}),
          };
        },
      },
    };
  }
}
