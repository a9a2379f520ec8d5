import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeNotebookInstanceCommand,
  SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConfig } from '#lib/aws/config';
import { callAws } from '#lib/aws/errors';
import { TransientAwsError } from '#lib/errors';
import { VirtualClock } from '../../sandbox/clock.ts';
import { CALLER_HEADER, startEmulator, type BusEvent, type Emulator } from '../../sandbox/emulator/index.ts';
import { parseFleet } from '../../sandbox/fleet.ts';
import { closeEmulators, openEmulator } from '../support/emulator.ts';

/**
 * The fault knobs of the fleet file (DESIGN.md, "Faults and AWS behaviours"), seen through the real SDK
 * clients with the retry settings the gateways use, and the emulator's journal of every call.
 */

const NAMES = Array.from({ length: 20 }, (_, i) => `nb-${i}`);
const FLEET = `notebooks:\n${NAMES.map((n) => `  - { name: ${n} }`).join('\n')}\nalarms: [{ name: ep-1-5xx }]\n`;
const ARN_PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';
const TABLE = 'caretaker-ledger';

const open: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
  await closeEmulators();
});

async function emulatorFor(faults: string, clock?: VirtualClock, world = FLEET): Promise<Emulator> {
  const fleet = parseFleet(`${world}faults: ${faults}\n`, 'faults-fleet.yml');
  const emulator = await startEmulator(
    fleet,
    clock ? { schedule: (at, fire) => clock.schedule(at, fire) } : {},
  );
  open.push(() => emulator.close());
  return emulator;
}

/** A client as the gateways build them (the SDK's standard retry, 1 ms base delay), optionally naming its caller. */
function client<C extends SageMakerClient | DynamoDBClient | EventBridgeClient | CloudWatchClient>(
  Client: new (config: object) => C,
  emulator: { url: string },
  options: { maxAttempts?: number; caller?: string } = {},
): C {
  const made = new Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' },
    ...clientConfig({ maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 1 }),
  });
  if (options.caller) {
    // What the sandbox's client middleware does for a Lambda of an execution.
    // One middleware for any of the clients: their stacks differ only in the input and output types.
    (made.middlewareStack as SageMakerClient['middlewareStack']).add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers[CALLER_HEADER] = options.caller!;
        return next(args);
      },
      { step: 'build', name: 'sandboxCaller' },
    );
  }
  open.push(() => made.destroy());
  return made;
}

type Failure = Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
const failure = (e: unknown) => e as Failure;

/** The gateways' translation (callAws) of a fault that outlived the SDK's 3 attempts. */
function expectTransient(error: unknown, name: string, httpStatusCode: number) {
  expect(error).toBeInstanceOf(TransientAwsError);
  expect((error as Error).cause).toMatchObject({ name, $metadata: { httpStatusCode, attempts: 3 } });
}

describe('lost responses', () => {
  it('lets the call take effect and answers 500; the SDK’s retry then meets the new status', async () => {
    // Prepare
    const emulator = await emulatorFor('{ lostResponses: { StopNotebookInstance: 0.5 } }');
    const sagemaker = client(SageMakerClient, emulator, { maxAttempts: 2 });

    // Act
    const answers = await Promise.all(
      NAMES.map((name) =>
        sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: name })).then(
          () => 'ok',
          (e: Failure) => `${e.$metadata.httpStatusCode} ${e.name}: ${e.message}`,
        ),
      ),
    );

    // Assess: whatever the answer, every first Stop took effect.
    const stops = (name: string) =>
      emulator.journal.filter((c) => c.operation === 'StopNotebookInstance' && c.resource === name);
    for (const name of NAMES) expect(emulator.notebooks.get(name)?.status, name).toBe('Stopping');
    const lostThenRefused = NAMES.filter(
      (name, i) => stops(name)[0]!.outcome === 'lost' && answers[i]!.startsWith('400 ValidationException'),
    );
    expect(lostThenRefused.length).toBeGreaterThan(0);
    for (const name of lostThenRefused) {
      expect(stops(name).map((c) => c.outcome)).toEqual(['lost', 'ValidationException']);
      expect(answers[NAMES.indexOf(name)]).toBe(
        `400 ValidationException: Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (${ARN_PREFIX}:notebook-instance/${name}).`,
      );
    }
    expect(answers.filter((a) => a.startsWith('500 InternalFailure')).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a === 'ok').length).toBeGreaterThan(0);
  });

  it('keeps a lost Start’s effect, while a lost refusal had none, and the journal tells them apart', async () => {
    // Prepare
    const emulator = await emulatorFor(
      '{ lostResponses: { StartNotebookInstance: 1 } }',
      undefined,
      'notebooks: [{ name: nb-stopped, status: Stopped }, { name: nb-running }]\n',
    );
    const sagemaker = client(SageMakerClient, emulator, { maxAttempts: 1 });
    const start = (name: string) =>
      sagemaker.send(new StartNotebookInstanceCommand({ NotebookInstanceName: name })).catch(failure);

    // Act
    const started = await start('nb-stopped');
    const refused = await start('nb-running');

    // Assess
    for (const answer of [started, refused])
      expect(answer).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    expect(emulator.notebooks.get('nb-stopped')).toMatchObject({ status: 'Pending', starts: 1 });
    expect(emulator.notebooks.get('nb-running')).toMatchObject({ status: 'InService', starts: 0 });
    expect(emulator.journal.map((c) => [c.resource, c.outcome])).toEqual([
      ['nb-stopped', 'lost'],
      ['nb-running', 'ValidationException'],
    ]);
  });
});

describe('faults reach the caller in each service’s words, after the SDK’s retries, as the gateways translate them', () => {
  it('DynamoDB: ThrottlingException and InternalServerError, retried, then TransientAwsError; nothing written', async () => {
    // Prepare
    const emulator = await emulatorFor(
      '{ dynamodb: { throttle: { UpdateItem: 1 }, serverErrors: { GetItem: 1 } } }',
    );
    const dynamodb = client(DynamoDBClient, emulator);
    const key = { pk: { S: 'window#r-1' } };

    // Act
    const throttled = await callAws('window#r-1', () =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'ADD failures :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    ).catch((e: Error) => e);
    const failed = await callAws('window#r-1', () =>
      dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: key })),
    ).catch((e: Error) => e);

    // Assess: an on-demand table throttles writes with ThrottlingException (botocore's DynamoDB model);
    // @smithy/service-error-classification counts it as throttling, so the SDK retried it.
    expectTransient(throttled, 'ThrottlingException', 400);
    expect((throttled as Error).message).toMatch(
      /^ThrottlingException: Throughput exceeds the current capacity of your table or index\./,
    );
    expectTransient(failed, 'InternalServerError', 500);
    expect(emulator.calls.dynamodb).toEqual({ UpdateItem: 3, GetItem: 3 });
    expect(emulator.ledger.items(TABLE)).toEqual([]);
  });

  it('EventBridge: ThrottlingException and InternalException, retried, then TransientAwsError; no event delivered', async () => {
    // Prepare
    const throttling = await emulatorFor('{ eventbridge: { throttle: { PutEvents: 1 } } }');
    const failing = await emulatorFor('{ eventbridge: { serverErrors: { PutEvents: 1 } } }');
    const delivered: BusEvent[] = [];
    for (const emulator of [throttling, failing]) emulator.onEvent((e) => delivered.push(e));
    const put = (emulator: Emulator) =>
      callAws('caretaker', () =>
        client(EventBridgeClient, emulator).send(
          new PutEventsCommand({
            Entries: [{ Source: 'caretaker', DetailType: 'Notebook Patch Completed', Detail: '{}' }],
          }),
        ),
      ).catch((e: Error) => e);

    // Act
    const throttled = await put(throttling);
    const failed = await put(failing);

    // Assess: botocore's EventBridge model: ThrottlingException; InternalException is PutEvents' 500.
    expectTransient(throttled, 'ThrottlingException', 400);
    expectTransient(failed, 'InternalException', 500);
    expect(delivered).toEqual([]);
  });

  it('CloudWatch: Throttling (its query protocol’s code) and InternalFailure, from the top-level knobs', async () => {
    // Prepare
    const { emulator } = await openEmulator(
      `${FLEET}faults: { throttle: { DescribeAlarms: 1 }, lostResponses: { DescribeAlarmHistory: 1 } }\n`,
    );
    const cloudwatch = client(CloudWatchClient, emulator);

    // Act
    const first = await callAws('ep-1-5xx', () =>
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['ep-1-5xx'] })),
    ).catch((e: Error) => e);
    const second = await callAws('ep-1-5xx', () =>
      cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'ep-1-5xx' })),
    ).catch((e: Error) => e);

    // Assess: <Code>Throttling</Code> "Rate exceeded" (AWS knowledge center, cloudwatch-400-error-throttling).
    expectTransient(first, 'Throttling', 400);
    expect((first as Error).message).toBe('Throttling: Rate exceeded');
    expectTransient(second, 'InternalFailure', 500);
    expect(emulator.journal.map((c) => c.outcome)).toEqual([
      ...Array(3).fill('throttle'),
      ...Array(3).fill('lost'),
    ]);
  });
});

describe('the call journal', () => {
  it('records every request with its virtual time, resource, caller and what happened', async () => {
    // Prepare
    const clock = new VirtualClock(Date.parse('2026-11-23T02:00:00Z'));
    clock.install();
    open.push(() => clock.uninstall());
    const emulator = await emulatorFor('{ throttle: { DescribeNotebookInstance: 1 } }', clock);
    const a = 'arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch:a';
    const b = 'arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch:b';
    const [byA, byB, anonymous] = [
      client(SageMakerClient, emulator, { maxAttempts: 1, caller: a }),
      client(SageMakerClient, emulator, { maxAttempts: 1, caller: b }),
      client(SageMakerClient, emulator, { maxAttempts: 1 }),
    ];

    // Act
    await byA.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));
    await clock.drive(clock.sleep(30_000));
    await byB.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' })).catch(() => undefined);
    await anonymous
      .send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-2' }))
      .catch(() => undefined);

    // Assess
    const start = Date.parse('2026-11-23T02:00:00Z');
    expect(emulator.journal).toEqual([
      {
        at: start,
        service: 'sagemaker',
        operation: 'StopNotebookInstance',
        resource: 'nb-1',
        caller: a,
        outcome: 'ok',
      },
      {
        at: start + 30_000,
        service: 'sagemaker',
        operation: 'StopNotebookInstance',
        resource: 'nb-1',
        caller: b,
        outcome: 'ValidationException',
      },
      {
        at: start + 30_000,
        service: 'sagemaker',
        operation: 'DescribeNotebookInstance',
        resource: 'nb-2',
        caller: undefined,
        outcome: 'throttle',
      },
    ]);
  });
});

describe('determinism over seeds', () => {
  const FAULTS = (seed: number) =>
    `{ seed: ${seed}, throttle: { DescribeNotebookInstance: 0.3 }, lostResponses: { StopNotebookInstance: 0.3 }, dynamodb: { serverErrors: { GetItem: 0.3 } } }`;

  /** Three rounds of calls on every notebook (and its ledger item), one attempt each: the outcomes in order. */
  async function outcomesFor(seed: number, order: string[]): Promise<string[]> {
    const emulator = await emulatorFor(FAULTS(seed));
    const sagemaker = client(SageMakerClient, emulator, { maxAttempts: 1 });
    const dynamodb = client(DynamoDBClient, emulator, { maxAttempts: 1 });
    for (let round = 0; round < 3; round++)
      await Promise.all(
        order.flatMap((name) => [
          sagemaker
            .send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }))
            .catch(() => undefined),
          sagemaker
            .send(new StopNotebookInstanceCommand({ NotebookInstanceName: name }))
            .catch(() => undefined),
          dynamodb
            .send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `notebook#${name}` } } }))
            .catch(() => undefined),
        ]),
      );
    return [...emulator.journal].map((c) => `${c.service} ${c.operation} ${c.resource}: ${c.outcome}`).sort();
  }

  it('gives the same faults for the same seed, whatever the callers’ order, and other faults for another seed', async () => {
    // Act
    const names = NAMES.slice(0, 10);
    const seven = await outcomesFor(7, names);
    const sevenReversed = await outcomesFor(7, [...names].reverse());
    const eight = await outcomesFor(8, names);

    // Assess
    expect(sevenReversed).toEqual(seven);
    expect(eight).not.toEqual(seven);
    for (const outcome of ['throttle', 'lost', 'serverError'])
      expect(
        seven.some((o) => o.endsWith(`: ${outcome}`)),
        outcome,
      ).toBe(true);
  });
});
