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

/**
 * The patch request a test machine starts with: the notebooks `names`, every error tolerated (so admission
 * never refuses), as the notebook-patch workflow's input.
 */
export function windowRequest(names: string[]) {
  return {
    requestId: 'req-1',
    reason: 'request',
    source: { kind: 'request' },
    targets: { names },
    policy: { maxErrors: '100%' },
  };
}

/**
 * The selection a notebook cycle step needs first (it writes the window to the ledger), as notebook-patch's
 * SelectTargets state, of the request at `request` in the input, going on to `next`.
 */
export const selectState = (next: string, request = '$') => ({
  Type: 'Task',
  Resource: '${notebookSelectTargets}',
  Parameters: { 'request.$': request, 'startedAt.$': '$$.Execution.StartTime' },
  ResultPath: '$.selection',
  Next: next,
});

/** A cycle step's input, as the notebook-patch Map hands it to its children: the notebook and the window's terms. */
export const cycleInput = (name: string, window = '$.selection.window') => ({
  name,
  'window.$': window,
  troubles: 0,
});

/**
 * One cycle step of notebook-patch (`functionKey`) on `name` after the selection, its errors caught into
 * `$.error` (`fields` add to, or replace, the step's own).
 */
export function stepOf(functionKey: string, name: string, fields: Record<string, unknown> = {}) {
  return {
    StartAt: 'Select',
    States: {
      Select: selectState('Step'),
      Step: {
        Type: 'Task',
        Resource: `\${${functionKey}}`,
        Parameters: cycleInput(name),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
        ...fields,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

/** How many calls of an operation reached the emulator. */
export function reached(run: SandboxRun, operation: string, service = 'sagemaker'): number {
  return run.calls[service]?.[operation] ?? 0;
}
