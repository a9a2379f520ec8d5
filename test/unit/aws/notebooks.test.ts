import {
  DescribeNotebookInstanceCommand,
  DescribeNotebookInstanceLifecycleConfigCommand,
  ListNotebookInstancesCommand,
  SageMakerClient,
  SageMakerServiceException,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsRequestError, TransientAwsError } from '#lib/errors';
import * as gateway from '#lib/aws/sagemaker/notebooks';

const client = new SageMakerClient({ region: 'us-east-1', maxAttempts: 1 });
const sm = mockClient(client);

const sdkError = (name: string, message: string, status: number) =>
  new SageMakerServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

beforeEach(() => sm.reset());

describe('the notebook gateway', () => {
  it.each([
    ['listNotebooks', ListNotebookInstancesCommand, () => gateway.listNotebooks(client)],
    ['describeNotebook', DescribeNotebookInstanceCommand, () => gateway.describeNotebook(client, 'nb')],
    ['stopNotebook', StopNotebookInstanceCommand, () => gateway.stopNotebook(client, 'nb')],
    ['startNotebook', StartNotebookInstanceCommand, () => gateway.startNotebook(client, 'nb')],
    [
      'updateNotebook',
      UpdateNotebookInstanceCommand,
      () => gateway.updateNotebook(client, 'nb', { rootAccess: 'Disabled' }),
    ],
    [
      'lifecycleConfigExists',
      DescribeNotebookInstanceLifecycleConfigCommand,
      () => gateway.lifecycleConfigExists(client, 'lc'),
    ],
  ] as const)('%s sends exactly the command its IAM action allows', async (name, command, call) => {
    // Prepare
    sm.onAnyCommand().resolves({
      NotebookInstanceName: 'nb',
      NotebookInstanceArn: 'arn:nb',
      NotebookInstanceStatus: 'InService',
    });
    // Act
    await call();
    // Assess
    const sent = sm.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));
    expect(new Set(sent)).toEqual(new Set([command.name.replace(/Command$/, '')]));
    expect(gateway[name].permission.action).toBe(`sagemaker:${sent[0]}`);
  });

  it('reads every page of notebooks, with when each last changed', async () => {
    sm.on(ListNotebookInstancesCommand)
      .resolvesOnce({
        NotebookInstances: [
          {
            NotebookInstanceName: 'a',
            NotebookInstanceArn: 'arn:a',
            NotebookInstanceStatus: 'InService',
            LastModifiedTime: new Date('2026-10-01T00:00:00Z'),
          },
        ],
        NextToken: 't',
      })
      .resolvesOnce({
        NotebookInstances: [
          { NotebookInstanceName: 'b', NotebookInstanceArn: 'arn:b', NotebookInstanceStatus: 'Stopped' },
        ],
      });
    const listed = await gateway.listNotebooks(client);
    expect(listed.map((n) => n.name)).toEqual(['a', 'b']);
    expect(listed[0]?.lastModifiedTime).toBe('2026-10-01T00:00:00.000Z');
    expect(sm.commandCalls(ListNotebookInstancesCommand)[1]?.args[0].input.NextToken).toBe('t');
  });

  it('answers undefined for a notebook SageMaker does not know', async () => {
    sm.on(DescribeNotebookInstanceCommand).rejects(sdkError('ValidationException', 'RecordNotFound', 400));
    expect(await gateway.describeNotebook(client, 'ghost')).toBeUndefined();
  });

  it('surfaces a refusal with the API message, and throttling as transient', async () => {
    sm.on(StopNotebookInstanceCommand).rejects(
      sdkError('ValidationException', 'Status (Stopping) not in ([InService])', 400),
    );
    await expect(gateway.stopNotebook(client, 'nb')).rejects.toThrow(AwsRequestError);
    await expect(gateway.stopNotebook(client, 'nb')).rejects.toThrow(
      /Status \(Stopping\) not in \(\[InService\]\)/,
    );
    sm.on(StartNotebookInstanceCommand).rejects(sdkError('ThrottlingException', 'Rate exceeded', 400));
    await expect(gateway.startNotebook(client, 'nb')).rejects.toThrow(TransientAwsError);
  });

  it('maps the describe output to settings', async () => {
    sm.on(DescribeNotebookInstanceCommand).resolves({
      NotebookInstanceName: 'nb',
      NotebookInstanceArn: 'arn:nb',
      NotebookInstanceStatus: 'Failed',
      FailureReason: 'OnStart',
      InstanceType: 'ml.t3.medium',
      RootAccess: 'Enabled',
      VolumeSizeInGB: 5,
      PlatformIdentifier: 'notebook-al2-v3',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '1' },
    });
    expect(await gateway.describeNotebook(client, 'nb')).toMatchObject({
      status: 'Failed',
      failureReason: 'OnStart',
      settings: {
        instanceType: 'ml.t3.medium',
        lifecycleConfigName: null,
        rootAccess: 'Enabled',
        volumeSizeInGB: 5,
        minimumInstanceMetadataServiceVersion: '1',
        platformIdentifier: 'notebook-al2-v3',
      },
    });
  });
});
