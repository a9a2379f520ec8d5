import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxRun } from '../../sandbox/runner.ts';

export const START = '2026-11-23T02:00:00Z';
export const ACCOUNT_REGION = 'us-east-1:123456789012';

/** The name every `runMachine` state machine gets: its ARN is `…:stateMachine:caretaker-test`. */
export const TEST_MACHINE = 'test';

/**
 * Runs one execution (`run-1`) of a small state machine written in the test, on the sandbox's interpreter and
 * Lambda service, against a fleet file (YAML); handlers are the real ones (`Resource: ${functionKey}`).
 */
export async function runMachine(
  definition: Record<string, unknown>,
  options: { fleet?: string; input?: unknown } = {},
): Promise<SandboxRun & { execution: SandboxRun['result']['executions'][number] }> {
  const run = await runSandbox(parseFleet(options.fleet ?? 'notebooks: []\n', 'test-fleet.yml'), [], {
    stateMachines: { [TEST_MACHINE]: definition },
    executions: [{ stateMachine: TEST_MACHINE, name: 'run-1', input: options.input ?? {} }],
  });
  return { ...run, execution: run.result.executions[0]! };
}

/** A distributed Map over `$.items` running `processor` (its ProcessorConfig added), plus `fields`. */
export function distributedMap(processor: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  return {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...processor },
    ...fields,
  };
}

/** A notebook cycle as the notebook-patch workflow hands it to a step (see functions/lib/notebook/cycle.ts). */
export function cycleOf(name: string, next: string, fields: Record<string, unknown> = {}) {
  return {
    requestId: 'req-1',
    name,
    desired: {},
    tolerated: 0,
    timing: {
      expectedStopSeconds: 90,
      expectedStartSeconds: 300,
      stopTimeoutSeconds: 900,
      startTimeoutSeconds: 1200,
    },
    next,
    ...fields,
  };
}

/** How many calls of an operation reached the emulator. */
export function reached(run: SandboxRun, operation: string, service = 'sagemaker'): number {
  return run.calls[service]?.[operation] ?? 0;
}
