import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
  StartNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { afterEach, describe, expect, it } from 'vitest';
import { clientConfig } from '#lib/aws/config';
import { startEmulator, type BusEvent, type Emulator } from '../../sandbox/emulator/index.ts';
import { AwsApiError, type ServiceEmulator } from '../../sandbox/emulator/types.ts';
import { createServiceQuotasService } from '../../sandbox/emulator/servicequotas.ts';
import { parseFleet } from '../../sandbox/fleet.ts';

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };
const NAMES = Array.from({ length: 20 }, (_, i) => `nb-${i}`);
const FLEET = `notebooks:\n${NAMES.map((n) => `  - { name: ${n}, status: Stopped }`).join('\n')}\n`;

const opened: Array<{ close(): Promise<void> } | { destroy(): void }> = [];

afterEach(async () => {
  for (const thing of opened.splice(0)) {
    if ('destroy' in thing) thing.destroy();
    else await thing.close();
  }
});

async function emulatorFor(extra = '', services: ServiceEmulator[] = []): Promise<Emulator> {
  const emulator = await startEmulator(parseFleet(FLEET + extra, 'wire-fleet.yml'), { services });
  opened.push(emulator);
  return emulator;
}

function sagemaker(emulator: Emulator, maxAttempts = 3) {
  // A 1 ms base delay: the retry behaviour is the SDK's own, only faster than in AWS.
  const client = new SageMakerClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials,
    ...clientConfig({ maxAttempts, baseDelayMs: 1 }),
  });
  opened.push(client);
  return client;
}

const post = (emulator: Emulator, target: string, body: string, contentType = 'application/x-amz-json-1.1') =>
  fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-amz-target': target },
    body,
  });

describe('errors on the wire, as the real SDK client reads them', () => {
  it('makes the client retry a throttled operation until it succeeds, counting every attempt', async () => {
    // Prepare
    const emulator = await emulatorFor('faults:\n  throttle: { DescribeNotebookInstance: 0.5 }\n');
    const client = sagemaker(emulator, 10);

    // Act
    const described = await Promise.all(
      NAMES.map((name) => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }))),
    );

    // Assess
    const attempts = described.reduce((n, d) => n + d.$metadata.attempts!, 0);
    expect(described.map((d) => d.NotebookInstanceName)).toEqual(NAMES);
    expect(attempts).toBeGreaterThan(NAMES.length);
    expect(emulator.calls.sagemaker?.DescribeNotebookInstance).toBe(attempts);
  });

  it('gives the same faults and counts for the same fleet, whatever the order of the callers', async () => {
    // Prepare
    const extra = 'faults:\n  throttle: { DescribeNotebookInstance: 0.4 }\n  seed: 7\n';
    const [first, second] = [await emulatorFor(extra), await emulatorFor(extra)];
    const attemptsOf = async (emulator: Emulator, names: string[]) => {
      const client = sagemaker(emulator, 10);
      const out = await Promise.all(
        names.map((name) => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }))),
      );
      return Object.fromEntries(out.map((d) => [d.NotebookInstanceName, d.$metadata.attempts]));
    };

    // Act
    const forward = await attemptsOf(first, NAMES);
    const backward = await attemptsOf(second, [...NAMES].reverse());

    // Assess
    expect(backward).toEqual(forward);
    expect(second.calls).toEqual(first.calls);
  });

  it('surfaces a ValidationException with its name and message, without retrying it', async () => {
    // Prepare
    const emulator = await emulatorFor();
    const client = sagemaker(emulator);

    // Act
    const error = await client
      .send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-ghost' }))
      .catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', message: 'RecordNotFound' });
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(emulator.calls.sagemaker?.DescribeNotebookInstance).toBe(1);
  });

  it('retries a 500 InternalFailure and gives up after maxAttempts', async () => {
    // Prepare
    const emulator = await emulatorFor('faults:\n  serverErrors: { StartNotebookInstance: 1 }\n');
    const client = sagemaker(emulator, 3);

    // Act
    const error = await client
      .send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-0' }))
      .catch((e: Error & { $metadata: { httpStatusCode: number; attempts: number } }) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500, attempts: 3 } });
    expect(emulator.calls.sagemaker?.StartNotebookInstance).toBe(3);
    expect(emulator.notebooks.get('nb-0')?.status).toBe('Stopped');
  });

  it('answers an unknown operation with UnknownOperationException and counts it', async () => {
    // Prepare
    const emulator = await emulatorFor();

    // Act
    const response = await post(emulator, 'SageMaker.DescribeTeleporter', '{}');

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(emulator.calls.sagemaker?.DescribeTeleporter).toBe(1);
  });

  it('answers its own bug with 500 InternalFailure and keeps the error for the test', async () => {
    // Prepare
    const bug = new TypeError('cannot read the notebook of undefined');
    const emulator = await emulatorFor('', [
      {
        targetPrefix: 'Broken',
        service: 'broken',
        operations: {
          Explode: () => {
            throw bug;
          },
        },
      },
    ]);

    // Act
    const response = await post(emulator, 'Broken.Explode', '{}', 'application/x-amz-json-1.0');

    // Assess
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toMatchObject({ __type: 'InternalFailure' });
    expect(emulator.internalErrors).toEqual([bug]);
  });

  it('passes an AwsApiError through with its status and type, and names the code for query-compatible clients', async () => {
    // Prepare
    const emulator = await emulatorFor('', [
      {
        targetPrefix: 'GraniteServiceVersion20100801',
        service: 'cloudwatch',
        operations: {
          DescribeAlarms: () => {
            throw new AwsApiError('LimitExceeded', 'too many', 400);
          },
        },
      },
    ]);

    // Act
    const response = await fetch(emulator.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
        'x-amzn-query-mode': 'true',
      },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-query-error')).toBe('LimitExceeded;Sender');
    expect(await response.json()).toEqual({ __type: 'LimitExceeded', message: 'too many' });
    expect(emulator.internalErrors).toEqual([]);
  });
});

describe('the service registry', () => {
  it('merges two modules behind the SageMaker target and refuses an operation served twice', async () => {
    // Prepare
    const emulator = await emulatorFor();
    const endpoints: ServiceEmulator = {
      targetPrefix: 'SageMaker',
      service: 'sagemaker',
      operations: {
        DescribeEndpoint: (input) => ({ EndpointName: input.EndpointName, EndpointStatus: 'InService' }),
      },
    };
    const clash: ServiceEmulator = {
      targetPrefix: 'SageMaker',
      service: 'sagemaker',
      operations: { ListNotebookInstances: () => ({}) },
    };

    // Act
    emulator.register(endpoints);
    const endpoint = await (
      await post(emulator, 'SageMaker.DescribeEndpoint', '{"EndpointName":"ep-1"}')
    ).json();
    const listed = await sagemaker(emulator).send(new ListNotebookInstancesCommand({}));

    // Assess
    expect(endpoint).toEqual({ EndpointName: 'ep-1', EndpointStatus: 'InService' });
    expect(listed.NotebookInstances).toHaveLength(10);
    expect(() => emulator.register(clash)).toThrow(/SageMaker\.ListNotebookInstances already served/);
  });
});

describe('EventBridge PutEvents', () => {
  it('delivers each valid entry as a full event and fails the invalid ones entry by entry', async () => {
    // Prepare
    const emulator = await emulatorFor();
    const received: BusEvent[] = [];
    emulator.onEvent((e) => received.push(e));
    const client = new EventBridgeClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    opened.push(client);

    // Act
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'caretaker',
            DetailType: 'Notebook Patch Completed',
            Detail: '{"requestId":"r-1"}',
            EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/caretaker',
            Time: new Date('2026-11-23T03:00:00Z'),
          },
          { Source: 'caretaker', DetailType: 'Broken', Detail: '[1,2]' },
          { Source: 'caretaker', Detail: '{}' },
          { Source: 'caretaker', DetailType: 'Bad JSON', Detail: '{' },
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries![0]!.EventId).toBe(received[0]!.id);
    expect(out.Entries!.slice(1).map((e) => e.ErrorCode)).toEqual([
      'MalformedDetail',
      'InvalidArgument',
      'MalformedDetail',
    ]);
    expect(out.Entries![2]!.ErrorMessage).toMatch(/DetailType/);
    expect(received).toEqual([
      {
        version: '0',
        id: expect.any(String),
        source: 'caretaker',
        'detail-type': 'Notebook Patch Completed',
        account: '123456789012',
        region: 'us-east-1',
        time: '2026-11-23T03:00:00Z',
        resources: [],
        detail: { requestId: 'r-1' },
        eventBusName: 'caretaker',
      },
    ]);
  });

  it('refuses more than 10 entries in one request', async () => {
    // Prepare
    const emulator = await emulatorFor();
    const client = new EventBridgeClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    opened.push(client);
    const entry = { Source: 'caretaker', DetailType: 'x', Detail: '{}' };

    // Act
    const error = await client
      .send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) }))
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(/less than or equal to 10/);
  });
});

describe('Service Quotas over HTTP', () => {
  it('pages the endpoint-usage quotas to the real SDK client, as ListServiceQuotas does', async () => {
    // Prepare: two quotas, one a page (MaxResults 1 — the API reference's paging by NextToken).
    const fleet = parseFleet(FLEET + 'quotas: { ml.m5.large: 4, ml.g5.xlarge: 2 }\n', 'wire-fleet.yml');
    const emulator = await emulatorFor('quotas: { ml.m5.large: 4, ml.g5.xlarge: 2 }\n', [
      createServiceQuotasService(fleet),
    ]);
    const client = new ServiceQuotasClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    opened.push(client);

    // Act
    const first = await client.send(
      new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', MaxResults: 1 }),
    );
    const second = await client.send(
      new ListServiceQuotasCommand({ ServiceCode: 'sagemaker', MaxResults: 1, NextToken: first.NextToken }),
    );

    // Assess
    const quotas = [...first.Quotas!, ...second.Quotas!].map((q) => [q.QuotaName, q.Value]);
    expect(quotas.sort()).toEqual([
      ['ml.g5.xlarge for endpoint usage', 2],
      ['ml.m5.large for endpoint usage', 4],
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(emulator.calls.servicequotas).toEqual({ ListServiceQuotas: 2 });
  });
});
