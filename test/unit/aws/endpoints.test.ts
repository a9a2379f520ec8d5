import {
  CloudWatchClient,
  CloudWatchServiceException,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointsCommand,
  SageMakerClient,
  SageMakerServiceException,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { conditionFailed, mockedLedger } from '../../support/ledger-mock.ts';
import * as alarms from '#lib/aws/cloudwatch';
import * as ledger from '#lib/aws/ledger/endpoints';
import { AwsRequestError, TransientAwsError } from '#lib/errors';
import * as gateway from '#lib/aws/sagemaker/endpoints';

const client = new SageMakerClient({ region: 'us-east-1', maxAttempts: 1 });
const sm = mockClient(client);
const cwClient = new CloudWatchClient({ region: 'us-east-1', maxAttempts: 1 });
const cw = mockClient(cwClient);

const sdkError = (name: string, message: string, status: number) =>
  new SageMakerServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

beforeEach(() => {
  sm.reset();
  cw.reset();
});

const commandName = (c: { args: [object] }) => c.args[0].constructor.name.replace(/Command$/, '');

describe('the endpoint gateway', () => {
  it.each([
    ['describeEndpoint', DescribeEndpointCommand, () => gateway.describeEndpoint(client, 'ep-1')],
    [
      'describeEndpointConfig',
      DescribeEndpointConfigCommand,
      () => gateway.describeEndpointConfig(client, 'cfg'),
    ],
    ['updateEndpoint', UpdateEndpointCommand, () => gateway.updateEndpoint(client, 'ep-1', 'cfg-v2')],
    ['listEndpoints', ListEndpointsCommand, () => gateway.listEndpoints(client)],
    ['deleteEndpointConfig', DeleteEndpointConfigCommand, () => gateway.deleteEndpointConfig(client, 'cfg')],
  ] as const)('%s sends exactly the command its IAM action allows', async (name, command, call) => {
    // Prepare
    sm.onAnyCommand().resolves({
      EndpointName: 'ep-1',
      EndpointArn: 'arn:ep-1',
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg',
      EndpointConfigArn: 'arn:cfg',
    });

    // Act
    await call();

    // Assess
    const sent = sm.calls().map(commandName);
    expect(new Set(sent)).toEqual(new Set([command.name.replace(/Command$/, '')]));
    expect(gateway[name].permission.action).toBe(`sagemaker:${sent[0]}`);
  });

  it('describeAlarms sends exactly DescribeAlarms, for metric and composite alarms', async () => {
    // Prepare
    cw.onAnyCommand().resolves({});

    // Act
    await alarms.describeAlarms(cwClient, ['a']);

    // Assess
    expect(cw.calls().map(commandName)).toEqual(['DescribeAlarms']);
    expect(alarms.describeAlarms.permission.action).toBe('cloudwatch:DescribeAlarms');
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({
      AlarmNames: ['a'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
  });

  it('passes the guardrail DeploymentConfig through to UpdateEndpoint, and none for a rollback', async () => {
    // Prepare
    sm.on(UpdateEndpointCommand).resolves({});
    const config = {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT' as const, Value: 1 },
        WaitIntervalInSeconds: 60,
      },
    };

    // Act
    await gateway.updateEndpoint(client, 'ep-1', 'cfg-v2', config);
    await gateway.updateEndpoint(client, 'ep-1', 'cfg-v1');

    // Assess
    const inputs = sm.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { EndpointName: 'ep-1', EndpointConfigName: 'cfg-v2', DeploymentConfig: config },
      { EndpointName: 'ep-1', EndpointConfigName: 'cfg-v1' },
    ]);
  });

  it('describes the endpoint with the configuration a running deployment moves to', async () => {
    // Prepare
    sm.on(DescribeEndpointCommand).resolves({
      EndpointName: 'ep-1',
      EndpointArn: 'arn:ep-1',
      EndpointStatus: 'Updating',
      EndpointConfigName: 'cfg-v1',
      PendingDeploymentSummary: { EndpointConfigName: 'cfg-v2' },
    });

    // Act
    const endpoint = await gateway.describeEndpoint(client, 'ep-1');

    // Assess
    expect(endpoint).toEqual({
      name: 'ep-1',
      arn: 'arn:ep-1',
      status: 'Updating',
      endpointConfigName: 'cfg-v1',
      pendingEndpointConfigName: 'cfg-v2',
    });
  });

  it('describes a configuration by its variants and instance counts', async () => {
    // Prepare
    sm.on(DescribeEndpointConfigCommand).resolves({
      EndpointConfigName: 'cfg',
      EndpointConfigArn: 'arn:cfg',
      CreationTime: new Date('2026-11-01T00:00:00Z'),
      ProductionVariants: [
        { VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, ModelName: 'm' },
      ],
    });

    // Act
    const config = await gateway.describeEndpointConfig(client, 'cfg');

    // Assess
    expect(config).toEqual({
      name: 'cfg',
      arn: 'arn:cfg',
      createdAt: '2026-11-01T00:00:00.000Z',
      variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', instanceCount: 2 }],
    });
  });

  it('answers undefined or false for what SageMaker "could not find"', async () => {
    // Prepare
    sm.on(DescribeEndpointCommand).rejects(
      sdkError('ValidationException', 'Could not find endpoint "ep-9".', 400),
    );
    sm.on(DescribeEndpointConfigCommand).rejects(
      sdkError('ValidationException', 'Could not find endpoint configuration "x".', 400),
    );
    sm.on(DeleteEndpointConfigCommand).rejects(
      sdkError('ValidationException', 'Could not find endpoint configuration "x".', 400),
    );

    // Act
    const results = [
      await gateway.describeEndpoint(client, 'ep-9'),
      await gateway.describeEndpointConfig(client, 'x'),
      await gateway.deleteEndpointConfig(client, 'x'),
    ];

    // Assess
    expect(results).toEqual([undefined, undefined, false]);
  });

  it('surfaces a refusal with the API message, and throttling and 5xx as transient', async () => {
    // Prepare
    sm.on(UpdateEndpointCommand)
      .rejectsOnce(sdkError('ValidationException', 'Cannot update in-progress endpoint "ep-1".', 400))
      .rejectsOnce(sdkError('ResourceLimitExceeded', 'The account-level service limit is 4 Instances', 400))
      .rejectsOnce(sdkError('ThrottlingException', 'Rate exceeded', 400));
    sm.on(ListEndpointsCommand).rejects(sdkError('InternalFailure', 'oops', 500));
    cw.on(DescribeAlarmsCommand).rejects(
      new CloudWatchServiceException({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const update = () => gateway.updateEndpoint(client, 'ep-1', 'cfg-v2');

    // Assess
    await expect(update()).rejects.toMatchObject({
      name: 'AwsRequestError',
      message: 'ValidationException: Cannot update in-progress endpoint "ep-1".',
      resource: 'ep-1',
    });
    await expect(update()).rejects.toThrow(AwsRequestError);
    await expect(update()).rejects.toThrow(TransientAwsError);
    await expect(gateway.listEndpoints(client)).rejects.toThrow(TransientAwsError);
    await expect(alarms.describeAlarms(cwClient, ['a'])).rejects.toThrow(TransientAwsError);
  });

  it('reads every page of endpoints and alarms', async () => {
    // Prepare
    sm.on(ListEndpointsCommand)
      .resolvesOnce({ Endpoints: [{ EndpointName: 'a' } as never], NextToken: 't' })
      .resolvesOnce({ Endpoints: [{ EndpointName: 'b' } as never] });
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          {
            AlarmName: 'm',
            StateValue: 'ALARM',
            StateReason: 'high',
            StateReasonData: '{}',
            StateUpdatedTimestamp: new Date(0),
          },
        ],
        NextToken: 'x',
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'c', StateValue: 'OK' }] });

    // Act
    const endpoints = await gateway.listEndpoints(client);
    const found = await alarms.describeAlarms(cwClient, ['m', 'c']);

    // Assess
    expect(endpoints).toEqual(['a', 'b']);
    expect(found).toEqual([
      {
        name: 'm',
        state: 'ALARM',
        stateReason: 'high',
        stateReasonData: '{}',
        stateUpdatedAt: '1970-01-01T00:00:00.000Z',
      },
      { name: 'c', state: 'OK' },
    ]);
  });
});

const { ddb, clients: ledgerClients } = mockedLedger('caretaker-ledger');

const hold = (requestId: string, nowMs: number) => ({
  requestId,
  since: '2026-11-23T02:00:00.000Z',
  nowMs,
  untilMs: nowMs + 9,
  target: 'cfg-v2',
  rollbackTarget: 'cfg-v1',
});
const breach = {
  name: 'a',
  state: 'ALARM',
  stateReason: 'high',
  values: [7],
  at: '2026-11-23T02:05:00.000Z',
};

describe('the endpoint ledger', () => {
  beforeEach(() => ddb.reset());

  it.each([
    ['readEndpointRecord', 'GetItem', () => ledger.readEndpointRecord(ledgerClients, 'ep-1')],
    ['holdEndpoint', 'UpdateItem', () => ledger.holdEndpoint(ledgerClients, 'ep-1', hold('r-1', 0))],
    ['releaseEndpoint', 'UpdateItem', () => ledger.releaseEndpoint(ledgerClients, 'ep-1', 'r-1')],
    [
      'recordEndpointConfigs',
      'UpdateItem',
      () => ledger.recordEndpointConfigs(ledgerClients, 'ep-1', 'r-1', {}),
    ],
    ['recordEndpointAlarm', 'UpdateItem', () => ledger.recordEndpointAlarm(ledgerClients, 'ep-1', breach)],
  ] as const)('%s sends exactly the command its IAM action allows', async (name, command, call) => {
    // Prepare
    ddb.onAnyCommand().resolves({});

    // Act
    await call();

    // Assess
    expect(ddb.calls().map(commandName)).toEqual([command]);
    expect(ledger[name].permission).toEqual({ action: `dynamodb:${command}`, resources: ['ledger-table'] });
  });

  it('holds the endpoint for one request and names the holder to the next', async () => {
    // Prepare
    ddb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { holder: { S: 'r-1' }, configs: { M: { 'cfg-v1': { S: 't1' } } } } })
      .rejectsOnce(conditionFailed());
    ddb.on(GetItemCommand).resolves({
      Item: { holder: { S: 'r-1' }, heldSince: { S: '2026-11-23T02:00:00.000Z' }, heldUntil: { N: '9' } },
    });

    // Act
    const first = await ledger.holdEndpoint(ledgerClients, 'ep-1', hold('r-1', 0));
    const second = await ledger.holdEndpoint(ledgerClients, 'ep-1', hold('r-2', 1));

    // Assess
    expect(first).toEqual({ held: true, record: { holder: 'r-1', configs: { 'cfg-v1': 't1' } } });
    expect(second).toEqual({ held: false, holder: 'r-1', since: '2026-11-23T02:00:00.000Z', kept: false });
    expect(ddb.commandCalls(UpdateItemCommand)[1]!.args[0].input.ConditionExpression).toMatch(
      /^attribute_not_exists\(holder\) OR holder = :free OR holder = :me OR heldUntil < :now$/,
    );
  });

  it('takes over only the kept hold it names, once its execution concluded, and clears the mark', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: { holder: { S: 'r-2' } } });

    // Act
    await ledger.holdEndpoint(ledgerClients, 'ep-1', { ...hold('r-2', 1), overKeptHoldOf: 'r-1' });

    // Assess
    const { input } = ddb.commandCalls(UpdateItemCommand)[0]!.args[0];
    expect(input.ConditionExpression).toMatch(/ OR \(holder = :kept AND kept = :yes\)$/);
    expect(input.ExpressionAttributeValues).toMatchObject({ ':kept': { S: 'r-1' }, ':yes': { BOOL: true } });
    expect(input.UpdateExpression).toMatch(/ REMOVE kept$/);
  });

  it('answers false instead of failing when the request does not hold the endpoint or nobody does', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).rejects(conditionFailed());

    // Act
    const released = await ledger.releaseEndpoint(ledgerClients, 'ep-1', 'r-2');
    const recorded = await ledger.recordEndpointAlarm(ledgerClients, 'ep-1', breach);

    // Assess
    expect([released, recorded]).toEqual([false, false]);
  });

  it("records the open deployment's target and rollback target with the hold, where pruning reads them", async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({ Attributes: { holder: { S: 'r-1' } } });
    ddb.on(GetItemCommand).resolves({
      Item: {
        holder: { S: 'r-1' },
        heldUntil: { N: '9' },
        target: { S: 'cfg-v2' },
        rollbackTarget: { S: 'cfg-v1' },
        alarmFor: { S: 'r-1' },
        alarmEvent: { S: JSON.stringify(breach) },
      },
    });

    // Act
    await ledger.holdEndpoint(ledgerClients, 'ep-1', hold('r-1', 0));
    const record = await ledger.readEndpointRecord(ledgerClients, 'ep-1');

    // Assess
    expect(ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':target': { S: 'cfg-v2' },
      ':rollback': { S: 'cfg-v1' },
    });
    expect(record).toEqual({
      holder: 'r-1',
      heldUntil: 9,
      target: 'cfg-v2',
      rollbackTarget: 'cfg-v1',
      alarm: breach,
      configs: {},
    });
  });

  it('reads a breach recorded for an earlier deployment as none', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({
      Item: { holder: { S: 'r-2' }, alarmFor: { S: 'r-1' }, alarmEvent: { S: JSON.stringify(breach) } },
    });

    // Act
    const record = await ledger.readEndpointRecord(ledgerClients, 'ep-1');

    // Assess
    expect(record.alarm).toBeUndefined();
  });
});
