import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sandbox/clock.ts';
import { startEmulator } from '../../sandbox/emulator/index.ts';
import type { EmittedEvent } from '../../sandbox/emulator/types.ts';
import { Executions, statusChangeEvent } from '../../sandbox/executions.ts';
import { parseFleet } from '../../sandbox/fleet.ts';
import { LambdaRuntime, stateMachineArn } from '../../sandbox/lambda.ts';
import {
  cycleInput,
  distributedMap,
  reached,
  runMachine,
  selectState,
  START,
  TEST_MACHINE,
  windowRequest,
} from '../support/machines.ts';
import { outcomes, patchRequested, runFleet } from '../support/sandbox.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const CHILD_ARN = new RegExp(
  `^arn:aws:states:us-east-1:123456789012:execution:caretaker-${TEST_MACHINE}/(${UUID}):(${UUID})$`,
);

/** Children that wait, then say who they are: `$$.Execution` as each child sees it. */
const whoAmI = distributedMap(
  {
    StartAt: 'Linger',
    States: {
      Linger: { Type: 'Wait', Seconds: 60, Next: 'Echo' },
      Echo: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$$.Execution.Id',
          'name.$': '$$.Execution.Name',
          'input.$': '$$.Execution.Input',
          'startTime.$': '$$.Execution.StartTime',
        },
        End: true,
      },
    },
  },
  { MaxConcurrency: 2, ItemSelector: { 'value.$': '$$.Map.Item.Value' }, End: true },
);

/** Children that fail (a Fail state) when their item says so. */
const failWhenTold = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Broken' }],
      Default: 'Fine',
    },
    Broken: { Type: 'Fail', Error: 'ItemBroke', Cause: 'broken on purpose' },
    Fine: { Type: 'Pass', Result: 'ok', End: true },
  },
};
const items = (...fails: boolean[]) => ({ items: fails.map((fail) => ({ fail })) });

/** A Task running the notebook Stop step. */
const stopTask = { Type: 'Task', Resource: '${notebookStop}' };

describe('a distributed Map runs as a Map Run of child executions', () => {
  it('gives each item a child execution of its own: ARN, name, input and start time, at most MaxConcurrency at once', async () => {
    // Act
    const run = await runMachine(
      { StartAt: 'Items', States: { Items: whoAmI } },
      { input: { items: ['a', 'b', 'c'] } },
    );

    // Assess
    const output = run.execution.output as Array<{
      id: string;
      name: string;
      input: unknown;
      startTime: string;
    }>;
    expect(run.children.map((c) => c.arn)).toEqual(output.map((o) => o.id));
    output.forEach((child, i) => {
      const [, label, name] = CHILD_ARN.exec(child.id) ?? [];
      expect(name).toBe(child.name);
      expect(label).toBe(CHILD_ARN.exec(output[0]!.id)![1]);
      expect(child.input).toEqual({ value: ['a', 'b', 'c'][i] });
    });
    // Two at once: the third starts when a slot frees, 60 virtual seconds later.
    expect(output.map((o) => o.startTime)).toEqual(
      [START, START, '2026-11-23T02:01:00.000Z'].map((t) => new Date(t).toISOString()),
    );
    expect(run.execution.stats.virtualSeconds).toBe(120);
    expect(new Set(output.map((o) => o.name)).size).toBe(3);
  });

  it('keeps each child its own history and stats, and counts them in the parent', async () => {
    // Act
    const run = await runMachine(
      { StartAt: 'Items', States: { Items: whoAmI } },
      { input: { items: ['a', 'b'] } },
    );

    // Assess
    expect(run.children).toHaveLength(2);
    for (const child of run.children) {
      expect(child.history.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual([
        'Linger',
        'Echo',
      ]);
      expect(child.stats.transitions).toBe(2);
    }
    expect(run.execution.stats.transitions).toBe(1 + 2 * 2);
  });

  it('names the children alike on every run of the same fleet', async () => {
    // Act
    const first = await runMachine(
      { StartAt: 'Items', States: { Items: whoAmI } },
      { input: { items: ['a', 'b'] } },
    );
    const second = await runMachine(
      { StartAt: 'Items', States: { Items: whoAmI } },
      { input: { items: ['a', 'b'] } },
    );

    // Assess
    expect(first.children).toHaveLength(2);
    expect(second.children.map((c) => c.arn)).toEqual(first.children.map((c) => c.arn));
  });

  it('runs each notebook of a real patch window as a child, and the window stats count them', async () => {
    // Prepare
    const fleet = 'notebooks:\n  - { name: nb-1 }\n  - { name: nb-2 }\n  - { name: nb-3 }\n';

    // Act
    const run = await runFleet(fleet, [
      patchRequested({ targets: { names: ['nb-1', 'nb-2', 'nb-3'] }, policy: { maxConcurrency: 2 } }),
    ]);

    // Assess
    const window = run.result.executions[0]!;
    expect(outcomes(run)).toEqual({ 'nb-1': 'patched', 'nb-2': 'patched', 'nb-3': 'patched' });
    expect(run.children).toHaveLength(3);
    expect(new Set(run.children.map((c) => c.parent))).toEqual(
      new Set([`arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch:${window.name}`]),
    );
    const sum = (count: (s: (typeof run.children)[number]['stats']) => number) =>
      run.children.reduce((n, c) => n + count(c.stats), 0);
    // The window's own states: SelectTargets, HasNotebooks, Notebooks, MoreRounds, Report; its own Lambdas:
    // the first and last.
    expect(window.stats.transitions).toBe(5 + sum((s) => s.transitions));
    expect(window.stats.lambdaInvocations).toBe(2 + sum((s) => s.lambdaInvocations));
    for (const child of run.children) {
      expect(child.stats.sagemakerCalls).toMatchObject({ StopNotebookInstance: 1, StartNotebookInstance: 1 });
    }
    for (const [operation, n] of Object.entries(window.stats.sagemakerCalls)) {
      expect(n).toBeGreaterThanOrEqual(sum((s) => s.sagemakerCalls[operation] ?? 0));
    }
    expect(window.stats.sagemakerCalls.StopNotebookInstance).toBe(
      sum((s) => s.sagemakerCalls.StopNotebookInstance ?? 0),
    );
  });
});

describe('tolerated failures, as AWS documents them', () => {
  it("tolerates failures up to ToleratedFailureCount, each failed child's execution result in its place", async () => {
    // Act
    const run = await runMachine(
      {
        StartAt: 'Items',
        States: { Items: distributedMap(failWhenTold, { ToleratedFailureCount: 2, End: true }) },
      },
      { input: items(false, true, false, true) },
    );

    // Assess
    expect(run.execution.status).toBe('SUCCEEDED');
    const [first, second, third, fourth] = run.execution.output as unknown[];
    expect([first, third]).toEqual(['ok', 'ok']);
    // Without a ResultWriter a failed child's result is "its execution result unchanged", as the NONE
    // transformation shows it (AWS Step Functions Developer Guide, "ResultWriter (Map)").
    expect(second).toEqual({
      ExecutionArn: run.children[1]!.arn,
      Input: JSON.stringify({ fail: true }),
      InputDetails: { Included: true },
      Name: run.children[1]!.name,
      RedriveCount: 0,
      StartDate: new Date(START).toISOString(),
      StateMachineArn: expect.stringMatching(new RegExp(`:stateMachine:caretaker-${TEST_MACHINE}/${UUID}$`)),
      Status: 'FAILED',
      StopDate: new Date(START).toISOString(),
      Error: 'ItemBroke',
      Cause: 'broken on purpose',
    });
    expect(fourth).toMatchObject({ ExecutionArn: run.children[3]!.arn, Status: 'FAILED' });
  });

  it('fails the Map Run only once the failures are more than ToleratedFailurePercentage of all items', async () => {
    // "Your Map Run fails if this value is exceeded … the total number of failed or timed out items divided
    // by the total number of items" (AWS Step Functions Developer Guide, "Tolerated failure threshold for
    // Distributed Map state"): 1 of 4 is 25%, within 25; 2 of 4 exceed it.
    const machine = {
      StartAt: 'Items',
      States: {
        Items: distributedMap(failWhenTold, { ToleratedFailurePercentagePath: '$.percent', End: true }),
      },
    };

    // Act
    const within = await runMachine(machine, { input: { percent: 25, ...items(true, false, false, false) } });
    const over = await runMachine(machine, { input: { percent: 25, ...items(true, false, true, false) } });

    // Assess
    expect(within.execution.status).toBe('SUCCEEDED');
    expect(over.execution).toMatchObject({
      status: 'FAILED',
      error: {
        error: 'States.ExceedToleratedFailureThreshold',
        cause: 'The specified tolerated failure threshold was exceeded',
      },
    });
  });

  it("aborts the running children of a Map Run over its tolerance, starts no new one, and the Map's Catch takes it", async () => {
    // Prepare: three at once. Item 0 fails at once (tolerated: 1), so item 3 starts; item 1's Stop is in
    // flight (its Lambda runs to its 60 s timeout); item 2 fails at 30 s, one failure too many.
    const processor = {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [
            { Variable: '$.kind', StringEquals: 'fail', Next: 'Broken' },
            { Variable: '$.kind', StringEquals: 'stop', Next: 'Stop' },
            { Variable: '$.kind', StringEquals: 'fail-later', Next: 'Pause' },
          ],
          Default: 'Linger',
        },
        Broken: { Type: 'Fail', Error: 'ItemBroke' },
        Stop: {
          ...stopTask,
          Parameters: cycleInput('nb-1', '$.window'),
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
          Next: 'Linger',
        },
        Pause: { Type: 'Wait', Seconds: 30, Next: 'Broken' },
        Linger: { Type: 'Wait', Seconds: 600, End: true },
      },
    };
    const machine = {
      StartAt: 'Select',
      States: {
        // The window the Stop step belongs to (it admits its notebook through the window's ledger record).
        Select: selectState('Items', '$.request'),
        Items: distributedMap(processor, {
          ItemsPath: '$.items',
          ItemSelector: { 'kind.$': '$$.Map.Item.Value.kind', 'window.$': '$.selection.window' },
          MaxConcurrency: 3,
          ToleratedFailureCount: 1,
          Catch: [
            {
              ErrorEquals: ['States.ExceedToleratedFailureThreshold'],
              ResultPath: '$.error',
              Next: 'Caught',
            },
          ],
          End: true,
        }),
        Caught: { Type: 'Pass', End: true },
      },
    };
    const kinds = ['fail', 'stop', 'fail-later', 'linger', 'linger', 'linger'];

    // Act
    const run = await runMachine(machine, {
      fleet: `notebooks:\n  - { name: nb-1 }\nfaults:\n  lambda:\n    notebook/stop: { error: timeout, when: after-call }\n`,
      input: { request: windowRequest(['nb-1']), items: kinds.map((kind) => ({ kind })) },
    });

    // Assess
    expect(run.execution.status).toBe('SUCCEEDED');
    expect((run.execution.output as { error: unknown }).error).toEqual({
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded',
    });
    expect(run.execution.stats.virtualSeconds).toBe(30);
    expect(run.children.map((c) => c.status)).toEqual(['FAILED', 'ABORTED', 'FAILED', 'ABORTED']);
    const stopping = run.children[1]!;
    // Its Stop had reached SageMaker; the aborted child neither retried it nor went on to Linger.
    expect(reached(run, 'StopNotebookInstance')).toBe(1);
    expect(stopping.stats.lambdaInvocations).toBe(1);
    expect(stopping.history.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual([
      'Route',
      'Stop',
    ]);
  });
});

describe('timeouts on virtual time', () => {
  it('times an execution out after its TimeoutSeconds of virtual time, in far less wall time', async () => {
    // Prepare
    const started = performance.now();

    // Act
    const run = await runMachine({
      TimeoutSeconds: 60,
      StartAt: 'Linger',
      States: { Linger: { Type: 'Wait', Seconds: 3600, End: true } },
    });

    // Assess
    expect(run.execution).toMatchObject({ status: 'TIMED_OUT', stats: { virtualSeconds: 60 } });
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('aborts the running children of an execution that times out', async () => {
    // Act
    const run = await runMachine(
      {
        TimeoutSeconds: 100,
        StartAt: 'Items',
        States: {
          Items: distributedMap(
            { StartAt: 'Linger', States: { Linger: { Type: 'Wait', Seconds: 1000, End: true } } },
            { End: true },
          ),
        },
      },
      { input: { items: [1, 2, 3] } },
    );

    // Assess
    expect(run.execution).toMatchObject({ status: 'TIMED_OUT', stats: { virtualSeconds: 100 } });
    expect(run.children.map((c) => c.status)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  });

  it.each([
    ['TimeoutSeconds', { TimeoutSeconds: 5 }, 5],
    ['TimeoutSecondsPath', { TimeoutSecondsPath: '$.limit' }, 7],
  ])('fails a Task that outlives its %s with States.Timeout', async (_field, timeout, seconds) => {
    // Prepare: the Stop function hangs until its own 60 s timeout.
    const machine = {
      StartAt: 'Select',
      States: {
        Select: selectState('Stop', '$.request'),
        Stop: {
          ...stopTask,
          Parameters: { ...cycleInput('nb-1'), 'limit.$': '$.limit' },
          ...timeout,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', End: true },
      },
    };

    // Act
    const run = await runMachine(machine, {
      fleet:
        'notebooks:\n  - { name: nb-1 }\nfaults:\n  lambda:\n    notebook/stop: { error: timeout, when: before-call }\n',
      input: { request: windowRequest(['nb-1']), limit: 7 },
    });

    // Assess
    expect(run.execution.status).toBe('SUCCEEDED');
    expect((run.execution.output as { error: { Error: string } }).error.Error).toBe('States.Timeout');
    expect(run.execution.stats.virtualSeconds).toBe(seconds);
  });
});

describe('execution status changes on the default bus', () => {
  // "You can configure Step Functions to emit EventBridge events when an execution status changes" (AWS Step
  // Functions Developer Guide, "EventBridge (CloudWatch Events) for Step Functions execution status changes").
  const lingering = {
    TimeoutSeconds: 60,
    StartAt: 'Linger',
    States: { Linger: { Type: 'Wait', Seconds: 3600, End: true } },
  };

  it('emits Step Functions Execution Status Change when an execution starts and when it times out', async () => {
    // Prepare
    const clock = new VirtualClock(Date.parse(START));
    const executions = new Executions(clock, new LambdaRuntime(clock, { lambda: {}, seed: 0 }), {
      definitions: { [TEST_MACHINE]: lingering },
    });
    const events: EmittedEvent[] = [];
    executions.service(new Map()).attach!({
      emit: (e) => events.push(e),
      now: () => clock.now(),
      schedule: () => undefined,
    });

    // Act
    const record = executions.start(
      TEST_MACHINE,
      'run-1',
      { a: 1 },
      { source: 'api', detailType: 'StartExecution' },
    );
    await clock.drive(record.done);

    // Assess
    expect(events.map((e) => e.detail.status)).toEqual(['RUNNING', 'TIMED_OUT']);
    expect(events[1]).toEqual({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [record.arn],
      detail: {
        executionArn: record.arn,
        stateMachineArn: stateMachineArn(TEST_MACHINE),
        name: 'run-1',
        status: 'TIMED_OUT',
        startDate: Date.parse(START),
        stopDate: Date.parse(START) + 60_000,
        input: '{"a":1}',
        output: null,
        inputDetails: { included: true },
        outputDetails: null,
      },
    });
  });

  it('leaves out an input that would take the event over 248 KB, and says so', () => {
    // Prepare
    const record = {
      arn: 'arn:aws:states:us-east-1:123456789012:execution:caretaker-test:big',
      stateMachineArn: stateMachineArn(TEST_MACHINE),
      name: 'big',
      status: 'SUCCEEDED',
      input: { s: 'x'.repeat(250 * 1024) },
      output: { ok: true },
      startedAt: 0,
      stoppedAt: 1,
    } as Parameters<typeof statusChangeEvent>[0];

    // Act
    const { detail } = statusChangeEvent(record);

    // Assess
    expect(detail).toMatchObject({
      input: null,
      inputDetails: { included: false },
      output: '{"ok":true}',
      outputDetails: { included: true },
    });
  });
});

describe('reproducible runs', () => {
  it("draws Retry's full jitter from faults.seed: the same fleet backs off alike on every run", async () => {
    // Prepare: every Stop fails; three retries back off 0–10 s, 0–20 s, 0–40 s at random.
    const machine = {
      StartAt: 'Select',
      States: {
        Select: selectState('Stop'),
        Stop: {
          ...stopTask,
          Parameters: cycleInput('nb-1'),
          Retry: [
            {
              ErrorEquals: ['Lambda.ServiceException'],
              IntervalSeconds: 10,
              MaxAttempts: 3,
              JitterStrategy: 'FULL',
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'GaveUp' }],
          End: true,
        },
        GaveUp: { Type: 'Pass', End: true },
      },
    };
    const fleet = (seed: number) =>
      `notebooks:\n  - { name: nb-1 }\nfaults:\n  seed: ${seed}\n  lambda:\n    notebook/stop: { error: Lambda.ServiceException, when: before-call, rate: 1 }\n`;
    const backoff = async (seed: number) => {
      const run = await runMachine(machine, { fleet: fleet(seed), input: windowRequest(['nb-1']) });
      return run.end - run.start;
    };

    // Act
    const first = await backoff(3);
    const again = await backoff(3);
    const other = await backoff(4);

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toBeLessThanOrEqual(70_000);
  });
});

describe('ResultPath', () => {
  // "If you don't specify a ResultPath, the default behavior is as if you had specified "ResultPath": "$". The
  // state will replace the entire state input with the result." (AWS Step Functions Developer Guide,
  // "Specifying state output using ResultPath", Use ResultPath to replace input with the task result.)
  const greeting = (result: unknown, fields: Record<string, unknown>) => ({
    StartAt: 'Greet',
    States: { Greet: { Type: 'Pass', Result: result, End: true, ...fields } },
  });
  const input = { comment: 'This is a test', details: 'Default example', who: 'Step Functions' };

  it('"$" replaces the whole input with the result, as leaving ResultPath out does', async () => {
    // Act
    const explicit = await runMachine(greeting('Hello, Step Functions!', { ResultPath: '$' }), { input });
    const implicit = await runMachine(greeting('Hello, Step Functions!', {}), { input });
    const object = await runMachine(greeting({ greeting: 'Hello' }, { ResultPath: '$' }), { input });

    // Assess
    expect(explicit.execution.output).toBe('Hello, Step Functions!');
    expect(implicit.execution.output).toBe('Hello, Step Functions!');
    expect(object.execution.output).toEqual({ greeting: 'Hello' });
  });

  it('"$.field" still adds the result to the input', async () => {
    // Act
    const run = await runMachine(greeting('Hello, Step Functions!', { ResultPath: '$.taskresult' }), {
      input,
    });

    // Assess
    expect(run.execution.output).toEqual({ ...input, taskresult: 'Hello, Step Functions!' });
  });
});

describe('the 256 KiB payload quota', () => {
  // "When the output of a state is larger than payload size quota" (AWS Step Functions Developer Guide, "Error
  // handling": States.DataLimitExceeded); the Cause is AWS's, recorded by LocalStack's AWS-validated test
  // test_states_errors.py::test_start_large_input.
  const bigPass = (text: string) => ({
    StartAt: 'Big',
    States: { Big: { Type: 'Pass', Result: { s: text }, End: true } },
  });

  it('counts UTF-8 bytes: an output of exactly 262,144 bytes passes, one byte more fails the execution', async () => {
    // Prepare: {"s":"…"} is 8 bytes around the text, and é is 2 bytes.
    const exact = 'é'.repeat((262_144 - 8) / 2);

    // Act
    const fits = await runMachine(bigPass(exact));
    const over = await runMachine(bigPass(`${exact}x`));

    // Assess
    expect(fits.execution.status).toBe('SUCCEEDED');
    expect(over.execution).toMatchObject({
      status: 'FAILED',
      error: {
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit.",
      },
    });
  });

  it('fails a Map whose result is over the quota, and a States.ALL Catch does not take it', async () => {
    // Prepare: three children of 100 kB each. "This is a terminal error that can't be caught by the
    // States.ALL error type" (AWS Step Functions Developer Guide, "Error handling").
    const machine = {
      StartAt: 'Items',
      States: {
        Items: distributedMap(
          { StartAt: 'Chunk', States: { Chunk: { Type: 'Pass', Result: 'x'.repeat(100_000), End: true } } },
          { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
        ),
        Caught: { Type: 'Pass', End: true },
      },
    };

    // Act
    const run = await runMachine(machine, { input: { items: [1, 2, 3] } });

    // Assess
    expect(run.execution).toMatchObject({
      status: 'FAILED',
      error: {
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'Items' returned a result with a size exceeding the maximum number of bytes service limit.",
      },
    });
    expect(run.children.map((c) => c.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  describe('StartExecution', () => {
    const closing: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const close of closing.splice(0)) await close();
    });

    it('refuses an input over 262,144 bytes with a ValidationException and starts nothing', async () => {
      // Prepare: the API model gives StartExecution's `input` (SensitiveData) a maximum length of 262144.
      const fleet = parseFleet('notebooks: []\n', 'test-fleet.yml');
      const clock = new VirtualClock(fleet.start);
      const emulator = await startEmulator(fleet, { schedule: (at, fire) => clock.schedule(at, fire) });
      const executions = new Executions(clock, new LambdaRuntime(clock, fleet.faults), {
        definitions: { [TEST_MACHINE]: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } },
      });
      emulator.register(executions.service(new Map()));
      const sfn = new SFNClient({
        endpoint: emulator.url,
        region: fleet.region,
        credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
        maxAttempts: 1,
      });
      closing.push(async () => {
        sfn.destroy();
        await emulator.close();
      });
      const start = (name: string, bytes: number) =>
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: stateMachineArn(TEST_MACHINE),
            name,
            input: JSON.stringify({ s: 'x'.repeat(bytes - 8) }),
          }),
        );

      // Act
      const over = start('over', 262_145).catch((err: unknown) => err);
      const fits = await start('fits', 262_144);

      // Assess
      expect(await over).toMatchObject({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
      });
      expect(fits.executionArn).toMatch(/:execution:caretaker-test:fits$/);
      expect(executions.records.map((r) => r.name)).toEqual(['fits']);
    });
  });
});
