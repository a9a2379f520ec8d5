import diagnostics from 'node:diagnostics_channel';
import { DescribeNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { instrumentClients } from '../../sandbox/clients.ts';
import { deliverInProcess, retarget } from '../../sandbox/front.ts';
import type { WireRequest } from '../../sandbox/emulator/server.ts';
import { prepareEnvironment, scope } from '../../sandbox/lambda.ts';
import {
  cycleInput,
  distributedMap,
  reached,
  runMachine,
  selectState,
  stepOf,
  windowRequest,
} from '../support/machines.ts';
import { patchRequested, runFleet } from '../support/sandbox.ts';

/** One Task calling `functionKey`, its errors caught into `$.error`. */
const taskOf = (functionKey: string, fields: Record<string, unknown> = {}) => ({
  StartAt: 'Step',
  States: {
    Step: {
      Type: 'Task',
      Resource: `\${${functionKey}}`,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      End: true,
      ...fields,
    },
    Caught: { Type: 'Pass', End: true },
  },
});

const caught = (run: { execution: { output?: unknown } }) =>
  (run.execution.output as { error?: { Error: string; Cause: string } }).error;

const fleetWith = (notebooks: string, lambda: string, seed = 0) =>
  `notebooks:\n${notebooks}\nfaults:\n  seed: ${seed}\n  lambda:\n    ${lambda}\n`;

describe('a Lambda failure as Step Functions sees it', () => {
  it("gives a thrown error's name as Error, and the JSON the Node.js runtime returns as Cause", async () => {
    // Act: open-window refuses an input that no schedule could have sent with a ValidationError.
    const run = await runMachine(taskOf('triggersOpenWindow'));

    // Assess
    const error = caught(run)!;
    expect(error.Error).toBe('ValidationError');
    const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('ValidationError');
    expect(cause.errorMessage).toMatch(/^group: /);
    expect(cause.trace[0]).toBe(`ValidationError: ${cause.errorMessage}`);
  });

  it.each([
    ['notebook/stop', 'notebookStop', 60],
    ['triggers/from-request', 'triggersFromRequest', 300],
  ])(
    'fails %s with Sandbox.Timedout once its deployed timeout has elapsed (%#)',
    async (functionPath, functionKey, seconds) => {
      // Act: the `timeout` fault keeps the function from ever answering.
      const run = await runMachine(stepOf(functionKey, 'nb-1'), {
        fleet: fleetWith('  - { name: nb-1 }', `${functionPath}: { error: timeout, when: before-call }`),
        input: windowRequest(['nb-1']),
      });

      // Assess: the deployed timeout (deploy/functions.ts), not the interpreter's 60 s Task default.
      expect(run.execution.stats.virtualSeconds).toBe(seconds);
      const error = caught(run)!;
      expect(error.Error).toBe('Sandbox.Timedout');
      expect(JSON.parse(error.Cause)).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: expect.stringMatching(
          new RegExp(`^RequestId: \\S+ Error: Task timed out after ${seconds}\\.00 seconds$`),
        ),
      });
    },
  );
});

describe('faults.lambda, around the first mutating call', () => {
  it('before-call: fails the invocation with the named error, and the call never reaches SageMaker', async () => {
    // Act
    const run = await runMachine(stepOf('notebookStop', 'nb-1'), {
      fleet: fleetWith(
        '  - { name: nb-1 }',
        'notebook/stop: { error: Lambda.ServiceException, when: before-call }',
      ),
      input: windowRequest(['nb-1']),
    });

    // Assess: it looked (Describe, after the selection's), then died before its Stop.
    expect(caught(run)).toMatchObject({
      Error: 'Lambda.ServiceException',
      Cause: expect.stringMatching(/^ServiceException \(Service: AWSLambda; Status Code: 500;/),
    });
    expect(reached(run, 'DescribeNotebookInstance')).toBe(2);
    expect(reached(run, 'StopNotebookInstance')).toBe(0);
    expect(run.result.fleet.notebooks[0]).toMatchObject({ name: 'nb-1', status: 'InService' });
  });

  it('after-call: the call takes effect, then the invocation fails', async () => {
    // Act
    const run = await runMachine(stepOf('notebookStop', 'nb-1'), {
      fleet: fleetWith(
        '  - { name: nb-1 }',
        'notebook/stop: { error: Lambda.ServiceException, when: after-call }',
      ),
      input: windowRequest(['nb-1']),
    });

    // Assess
    expect(caught(run)?.Error).toBe('Lambda.ServiceException');
    expect(reached(run, 'StopNotebookInstance')).toBe(1);
    expect(run.result.fleet.notebooks[0]).toMatchObject({ name: 'nb-1', status: 'Stopping' });
  });

  it("times: fails that many of each execution's invocations, then lets the next one through", async () => {
    // Act
    const run = await runMachine(
      stepOf('notebookStop', 'nb-1', {
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 5 }],
      }),
      {
        fleet: fleetWith(
          '  - { name: nb-1 }',
          'notebook/stop: { error: Lambda.ServiceException, when: before-call, times: 2 }',
        ),
        input: windowRequest(['nb-1']),
      },
    );

    // Assess
    expect(caught(run)).toBeUndefined();
    // The selection, then the Stop step three times.
    expect(run.execution.stats.lambdaInvocations).toBe(4);
    expect(reached(run, 'StopNotebookInstance')).toBe(1);
  });

  it('rate: fails a share of the invocations chosen by faults.seed, the same on every run', async () => {
    // Prepare: twenty Failed notebooks, each started by a child execution of its own (a Failed notebook
    // cannot be stopped: its cycle begins with a start).
    const names = Array.from({ length: 20 }, (_, i) => `nb-${i + 1}`);
    const machine = {
      StartAt: 'Select',
      States: {
        Select: selectState('Notebooks'),
        Notebooks: distributedMap(
          { StartAt: 'Start', States: { Start: { Type: 'Task', Resource: '${notebookStart}', End: true } } },
          {
            ItemsPath: '$.selection.round.names',
            ToleratedFailurePercentage: 100,
            ItemSelector: { ...cycleInput('', '$.selection.window'), 'name.$': '$$.Map.Item.Value' },
            End: true,
          },
        ),
      },
    };
    const fleet = (seed: number) =>
      fleetWith(
        names.map((n) => `  - { name: ${n}, status: Failed }`).join('\n'),
        'notebook/start: { error: Lambda.ServiceException, when: before-call, rate: 0.5 }',
        seed,
      );
    const failedOf = async (seed: number) => {
      const run = await runMachine(machine, { fleet: fleet(seed), input: windowRequest(names) });
      const failed = run.children
        .filter((c) => c.status === 'FAILED')
        .map((c) => c.input as { name: string });
      const stillFailed = run.result.fleet.notebooks.filter((n) => n.status === 'Failed').map((n) => n.name);
      return { run, failed: failed.map((c) => c.name).sort(), stillFailed: stillFailed.sort() };
    };

    // Act
    const first = await failedOf(7);
    const again = await failedOf(7);
    const other = await failedOf(8);

    // Assess
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.failed.length).toBeLessThan(20);
    expect(first.stillFailed).toEqual(first.failed);
    expect(reached(first.run, 'StartNotebookInstance')).toBe(20 - first.failed.length);
    expect(again.failed).toEqual(first.failed);
    expect(other.failed).not.toEqual(first.failed);
  });

  it('fails a function that makes no mutating call when its handler returns', async () => {
    // Act: Check only looks here (the cycle begins with a Stop, which Check is not allowed to make).
    const run = await runMachine(stepOf('notebookCheck', 'nb-1'), {
      fleet: fleetWith('  - { name: nb-1 }', 'notebook/check: { error: Lambda.Unknown, when: after-call }'),
      input: windowRequest(['nb-1']),
    });

    // Assess
    expect(reached(run, 'StopNotebookInstance')).toBe(0);
    expect(caught(run)?.Error).toBe('Lambda.Unknown');
  });

  it('fails the invocation even when the handler would catch the error of its call', async () => {
    // Prepare: Recover admits a Failed notebook and starts it. A fault thrown into the handler could be caught
    // there; a frozen handler catches nothing and writes nothing more.
    const fleet = fleetWith(
      '  - { name: nb-1, status: Failed }',
      'notebook/recover: { error: Lambda.ServiceException, when: before-call }',
    );

    // Act
    const run = await runMachine(stepOf('notebookRecover', 'nb-1'), {
      fleet,
      input: windowRequest(['nb-1']),
    });

    // Assess: the admission (one transaction) was written, then nothing: no start, no finish.
    expect(caught(run)?.Error).toBe('Lambda.ServiceException');
    expect(reached(run, 'StartNotebookInstance')).toBe(0);
    expect(reached(run, 'TransactWriteItems', 'dynamodb')).toBe(1);
    expect(run.result.fleet.notebooks[0]).toMatchObject({ status: 'Failed' });
  });
});

describe('faults.lambda on a trigger: Lambda retries the asynchronous invocation', () => {
  // "If the function returns an error, by default Lambda attempts to run it two more times, with a one-minute
  // wait between the first two attempts" (AWS Lambda Developer Guide, "How Lambda handles errors and retries
  // with asynchronous invocation"): EventBridge invokes its Lambda targets asynchronously.
  const request = patchRequested({ targets: { names: ['nb-1'] } });
  const requestWith = (fault: string) =>
    runFleet(fleetWith('  - { name: nb-1 }', `triggers/from-request: ${fault}`), [request]);

  it('before-call: the retry a minute later starts the window', async () => {
    // Act
    const run = await requestWith('{ error: Lambda.Unknown, when: before-call }');

    // Assess
    expect(run.calls.states?.StartExecution).toBe(1);
    expect(run.result.executions).toHaveLength(1);
    const completed = run.result.events.find((e) => e['detail-type'] === 'Notebook Patch Completed');
    expect((completed?.detail as { startedAt: string }).startedAt).toBe('2026-11-23T02:01:00.000Z');
  });

  it('after-call: the first attempt started the window, and the retry starts nothing new', async () => {
    // Act
    const run = await requestWith('{ error: Lambda.Unknown, when: after-call }');

    // Assess
    expect(run.calls.states?.StartExecution).toBe(2);
    expect(run.result.executions).toHaveLength(1);
    expect(run.result.executions[0]!.status).toBe('SUCCEEDED');
    expect(run.result.rejectedEvents).toEqual([]);
  });

  it('gives up after three attempts and reports the event refused', async () => {
    // Act
    const run = await requestWith('{ error: Lambda.Unknown, when: before-call, rate: 1 }');

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(run.result.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [{ field: 'triggersFromRequest', message: expect.stringMatching(/^Lambda\.Unknown: /) }],
      },
    ]);
    expect(run.end - run.start).toBe(180_000);
  });
});

describe('the caller header', () => {
  afterEach(() => retarget(undefined));

  it('names the execution (or trigger delivery) on every request of every handler client', async () => {
    // Prepare: capture what the handler modules' own clients send.
    await prepareEnvironment();
    await instrumentClients();
    const [{ sagemaker }, { sfn }] = await Promise.all([
      import('#lib/aws/clients/sagemaker'),
      import('#lib/aws/clients/sfn'),
    ]);
    const seen: string[] = [];
    retarget((request) => {
      seen.push(String(request.headers['x-sandbox-caller']));
      return Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      });
    });
    const child = 'arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch/label:child';
    const trigger = 'trigger:caretaker.requests/Notebook Patch Requested#0';

    // Act
    await scope.run({ caller: child, execution: child }, () =>
      sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' })),
    );
    await scope
      .run({ caller: trigger }, () =>
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
          }),
        ),
      )
      .catch(() => undefined);

    // Assess
    expect(seen).toEqual([child, trigger]);
  });

  it('reaches the emulator without a socket, signed and parsed as over the wire', async () => {
    // Prepare
    await prepareEnvironment();
    await instrumentClients();
    const { sagemaker } = await import('#lib/aws/clients/sagemaker');
    const received: WireRequest[] = [];
    retarget((request) => {
      received.push(request);
      return Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: '{"NotebookInstanceName":"nb-1","NotebookInstanceStatus":"InService","CreationTime":1795399200}',
      });
    });
    const sockets: unknown[] = [];
    const opened = (socket: unknown) => sockets.push(socket);
    diagnostics.subscribe('net.client.socket', opened);

    // Act
    const answer = await sagemaker
      .send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }))
      .finally(() => diagnostics.unsubscribe('net.client.socket', opened));

    // Assess
    expect(sockets).toEqual([]);
    expect(received).toEqual([
      expect.objectContaining({
        method: 'POST',
        body: '{"NotebookInstanceName":"nb-1"}',
        headers: expect.objectContaining({
          'x-amz-target': 'SageMaker.DescribeNotebookInstance',
          'content-type': 'application/x-amz-json-1.1',
          authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=sandbox\//),
        }),
      }),
    ]);
    expect(answer).toMatchObject({
      NotebookInstanceStatus: 'InService',
      CreationTime: new Date('2026-11-23T02:00:00Z'),
    });
  });

  it('gives up on a call its caller aborts, as the SDK over HTTP does, though the emulator still answers it', async () => {
    // Prepare: an emulator that answers only when told to.
    await prepareEnvironment();
    await instrumentClients();
    const { sagemaker } = await import('#lib/aws/clients/sagemaker');
    let release!: () => void;
    const received: string[] = [];
    retarget((request) => {
      received.push(request.headers['x-amz-target']!);
      return new Promise((resolve) => {
        release = () => resolve({ status: 200, headers: {}, body: '{}' });
      });
    });
    const controller = new AbortController();
    const before = new AbortController();
    before.abort();

    // Act
    const call = sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }), {
      abortSignal: controller.signal,
    });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    controller.abort();
    const never = sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-2' }), {
      abortSignal: before.signal,
    });

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'AbortError', message: 'Request aborted' });
    await expect(never).rejects.toMatchObject({ name: 'AbortError' });
    release();
    expect(received).toEqual(['SageMaker.DescribeNotebookInstance']);
  });

  it("hands a request for any other address to the client's own handler", async () => {
    // Prepare
    await prepareEnvironment();
    const sent: unknown[] = [];
    const own = {
      handle: (request: { hostname: string; port?: number }) => {
        sent.push(request);
        return Promise.resolve({ response: { statusCode: 204, headers: {} } });
      },
    };
    const request = { method: 'POST', hostname: '127.0.0.1', port: 1, headers: {}, body: '{}' };

    // Act
    const { response } = await deliverInProcess(own).handle(request);

    // Assess
    expect(sent).toEqual([request]);
    expect(response).toEqual({ statusCode: 204, headers: {} });
  });
});
