import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { closeEmulators, openEmulator } from '../support/emulator.ts';
import {
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  EndpointStatus,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  UpdateEndpointCommand,
  VariantStatus,
  type DeploymentConfig,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';

const START = Date.parse('2026-11-23T02:00:00Z');
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

const FLEET = `
start: 2026-11-23T02:00:00Z
endpointConfigs:
  - name: cfg-v1
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
  - name: cfg-v2
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
  - name: cfg-v3-bad
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
    behavior: { alarmsWhileServing: [caretaker-ep-1-5xx] }
  - name: cfg-v4-unhealthy
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
    behavior: { failsHealthCheck: true }
  - name: cfg-big
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }]
  - name: cfg-gpu
    variants: [{ name: AllTraffic, instanceType: ml.g5.xlarge, instanceCount: 4 }]
endpoints:
  - name: ep-1
    endpointConfigName: cfg-v1
  - name: ep-2
    endpointConfigName: cfg-v1
    status: Updating
alarms:
  - name: caretaker-ep-1-5xx
quotas: { ml.m5.large: 6 }
`;

afterEach(closeEmulators);

/** The emulator with the endpoint and CloudWatch services on a virtual clock, and real SDK clients. */
async function sandbox(yaml = FLEET) {
  const opened = await openEmulator(yaml);
  const { sagemaker, clock } = opened;
  const describeEndpoint = (name = 'ep-1') =>
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  return {
    ...opened,
    world: opened.endpoints,
    describeEndpoint,
    update: (EndpointConfigName: string, DeploymentConfig?: DeploymentConfig, EndpointName = 'ep-1') =>
      sagemaker.send(new UpdateEndpointCommand({ EndpointName, EndpointConfigName, DeploymentConfig })),
    /** Advances to `seconds` after the run's start. */
    at: (seconds: number) => clock.drive(clock.sleep(START + seconds * 1000 - clock.now())),
  };
}

/** The error a call ends with (a rejected promise left un-awaited while others run would go unhandled). */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (err: unknown) => err,
  );

const canary = (percent: number, wait: number, alarms?: string[], termination = 0): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: 'CANARY',
      WaitIntervalInSeconds: wait,
      CanarySize: { Type: 'CAPACITY_PERCENT', Value: percent },
    },
    TerminationWaitInSeconds: termination,
  },
  ...(alarms ? { AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) } } : {}),
});

/** The traffic changes of an endpoint after the run's start, as seconds → weights. */
const trafficOf = (world: { trafficHistory: Array<{ endpoint: string; at: number; weights: object }> }) =>
  world.trafficHistory.filter((t) => t.endpoint === 'ep-1').map((t) => [(t.at - START) / 1000, t.weights]);

const statusesOf = (world: {
  statusHistory: Array<{ endpoint: string; at: number; status: string; endpointConfigName: string }>;
}) =>
  world.statusHistory
    .filter((s) => s.endpoint === 'ep-1')
    .map((s) => [(s.at - START) / 1000, s.status, s.endpointConfigName]);

describe('SageMaker endpoint emulator', () => {
  it('describes an endpoint and its configuration with the members and enum values the installed SDK models', async () => {
    // Prepare
    const { sagemaker, describeEndpoint } = await sandbox();

    // Act
    const endpoint = await describeEndpoint();
    const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-v1' }));

    // Assess
    expect(endpoint).toMatchObject({
      EndpointName: 'ep-1',
      EndpointArn: `${ARN}:endpoint/ep-1`,
      EndpointConfigName: 'cfg-v1',
      EndpointStatus: EndpointStatus.IN_SERVICE,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          CurrentWeight: 1,
          DesiredWeight: 1,
          CurrentInstanceCount: 2,
          DesiredInstanceCount: 2,
        },
      ],
    });
    expect(endpoint.CreationTime).toBeInstanceOf(Date);
    expect(endpoint.FailureReason).toBeUndefined();
    expect(endpoint.PendingDeploymentSummary).toBeUndefined();
    expect(config).toMatchObject({
      EndpointConfigName: 'cfg-v1',
      EndpointConfigArn: `${ARN}:endpoint-config/cfg-v1`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 2,
          InitialVariantWeight: 1,
        },
      ],
    });
  });

  it('answers unknown endpoints and configurations with the ValidationException SageMaker gives', async () => {
    // Prepare
    const { sagemaker, describeEndpoint, update } = await sandbox();

    // Act
    const endpoint = await failure(describeEndpoint('Ep-Missing'));
    const config = await failure(
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-missing' })),
    );
    const updateToMissing = await failure(update('cfg-missing'));

    // Assess
    expect(endpoint).toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint "${ARN}:endpoint/ep-missing".`,
    });
    expect(config).toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-missing".`,
    });
    expect(updateToMissing).toMatchObject({
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-missing".`,
    });
  });

  it('lists configurations by name, newest first by default, a page at a time', async () => {
    // Prepare
    const { sagemaker } = await sandbox();

    // Act
    const newestFirst = await sagemaker.send(
      new ListEndpointConfigsCommand({ NameContains: 'cfg-v', MaxResults: 3 }),
    );
    const rest = await sagemaker.send(
      new ListEndpointConfigsCommand({
        NameContains: 'cfg-v',
        MaxResults: 3,
        NextToken: newestFirst.NextToken,
      }),
    );
    const byName = await sagemaker.send(
      new ListEndpointConfigsCommand({ SortBy: 'Name', SortOrder: 'Ascending' }),
    );

    // Assess
    expect(newestFirst.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual([
      'cfg-v4-unhealthy',
      'cfg-v3-bad',
      'cfg-v2',
    ]);
    expect(rest.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['cfg-v1']);
    expect(rest.NextToken).toBeUndefined();
    expect(byName.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual([
      'cfg-big',
      'cfg-gpu',
      'cfg-v1',
      'cfg-v2',
      'cfg-v3-bad',
      'cfg-v4-unhealthy',
    ]);
  });

  it('lists endpoints filtered by status', async () => {
    // Prepare
    const { sagemaker } = await sandbox();

    // Act
    const updating = await sagemaker.send(new ListEndpointsCommand({ StatusEquals: 'Updating' }));
    const all = await sagemaker.send(new ListEndpointsCommand({ SortBy: 'Name', SortOrder: 'Ascending' }));

    // Assess
    expect(updating.Endpoints?.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([
      ['ep-2', 'Updating'],
    ]);
    expect(all.Endpoints?.map((e) => e.EndpointName)).toEqual(['ep-1', 'ep-2']);
  });

  it('runs a canary: provisions, shifts the canary, waits, shifts the rest, keeps the old fleet, then is InService on the new config', async () => {
    // Prepare
    const { world, update, describeEndpoint, at } = await sandbox();

    // Act
    await update('cfg-v2', canary(25, 300, ['caretaker-ep-1-5xx'], 60));
    const provisioning = await describeEndpoint();
    await at(200);
    const duringCanary = await describeEndpoint();
    await at(430);
    const terminationWait = await describeEndpoint();
    await at(480);
    const done = await describeEndpoint();

    // Assess
    expect(provisioning.EndpointStatus).toBe('Updating');
    expect(provisioning.EndpointConfigName).toBe('cfg-v1');
    expect(provisioning.PendingDeploymentSummary).toMatchObject({
      EndpointConfigName: 'cfg-v2',
      StartTime: new Date(START),
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          InstanceType: 'ml.m5.large',
          CurrentInstanceCount: 0,
          DesiredInstanceCount: 2,
        },
      ],
    });
    const variantStatus = (d: typeof provisioning) =>
      d.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status;
    expect([provisioning, duringCanary, terminationWait].map(variantStatus)).toEqual([
      VariantStatus.CREATING,
      VariantStatus.ACTIVATING_TRAFFIC,
      VariantStatus.BAKING,
    ]);
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'cfg-v2' });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.FailureReason).toBeUndefined();
    expect(done.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.Type).toBe(
      'CANARY',
    );
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-v1': 100 }],
      [120, { 'cfg-v1': 75, 'cfg-v2': 25 }],
      [420, { 'cfg-v2': 100 }],
    ]);
    expect(statusesOf(world)).toEqual([
      [0, 'InService', 'cfg-v1'],
      [0, 'Updating', 'cfg-v1'],
      [480, 'InService', 'cfg-v2'],
    ]);
  });

  it('shifts a linear step every wait interval and an all-at-once shift in one step', async () => {
    // Prepare
    const { world, update, at } = await sandbox();
    const linear: DeploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'LINEAR',
          WaitIntervalInSeconds: 60,
          LinearStepSize: { Type: 'INSTANCE_COUNT', Value: 1 },
        },
      },
    };
    const allAtOnce: DeploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 100 },
      },
    };

    // Act
    await update('cfg-v2', linear);
    await at(1000);
    await update('cfg-v1', allAtOnce);
    await at(2000);

    // Assess
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-v1': 100 }],
      [120, { 'cfg-v1': 50, 'cfg-v2': 50 }],
      [180, { 'cfg-v2': 100 }],
      [1120, { 'cfg-v1': 100 }],
    ]);
    expect(statusesOf(world).filter(([, status]) => status === 'InService')).toEqual([
      [0, 'InService', 'cfg-v1'],
      [180, 'InService', 'cfg-v2'],
      [1220, 'InService', 'cfg-v1'],
    ]);
  });

  it('replaces a rolling fleet batch by batch with the wait interval between batches', async () => {
    // Prepare
    const { world, update, at } = await sandbox();
    const rolling: DeploymentConfig = {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 },
        WaitIntervalInSeconds: 90,
      },
    };

    // Act
    await update('cfg-v2', rolling);
    await at(1000);

    // Assess
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-v1': 100 }],
      [120, { 'cfg-v1': 50, 'cfg-v2': 50 }],
      [210, { 'cfg-v2': 100 }],
    ]);
    expect(statusesOf(world).at(-1)).toEqual([300, 'InService', 'cfg-v2']);
  });

  it('rolls back by itself when an auto-rollback alarm fires during the canary: InService on the OLD config, no FailureReason', async () => {
    // Prepare
    const { world, cloudwatch, update, describeEndpoint, at, events } = await sandbox();

    // Act: the canary takes traffic at 120 s; its alarm breaches one period later.
    await update('cfg-v3-bad', canary(25, 600, ['caretaker-ep-1-5xx']));
    await at(200);
    const rollingBack = await describeEndpoint();
    await at(240);
    const after = await describeEndpoint();
    const alarm = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] }));

    // Assess
    expect(rollingBack.EndpointStatus).toBe(EndpointStatus.ROLLING_BACK);
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'cfg-v1' });
    expect(after.FailureReason).toBeUndefined();
    expect(after.PendingDeploymentSummary).toBeUndefined();
    expect(statusesOf(world)).toEqual([
      [0, 'InService', 'cfg-v1'],
      [0, 'Updating', 'cfg-v1'],
      [180, 'RollingBack', 'cfg-v1'],
      [240, 'InService', 'cfg-v1'],
    ]);
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-v1': 100 }],
      [120, { 'cfg-v1': 75, 'cfg-v3-bad': 25 }],
      [180, { 'cfg-v1': 100 }],
    ]);
    expect(alarm.MetricAlarms![0]!.StateValue).toBe('OK');
    expect(
      events.map((e) => [e['detail-type'], (e.detail.state as { value: string }).value, e.time]),
    ).toEqual([
      ['CloudWatch Alarm State Change', 'ALARM', '2026-11-23T02:03:00Z'],
      ['CloudWatch Alarm State Change', 'OK', '2026-11-23T02:04:00Z'],
    ]);
  });

  it('rolls back at the first shift when an auto-rollback alarm is already in ALARM', async () => {
    // Prepare
    const { world, update, at } = await sandbox(
      FLEET.replace('- name: caretaker-ep-1-5xx', '- name: caretaker-ep-1-5xx\n    state: ALARM'),
    );

    // Act
    await update('cfg-v2', canary(25, 600, ['caretaker-ep-1-5xx']));
    await at(1000);

    // Assess
    expect(trafficOf(world)).toEqual([[0, { 'cfg-v1': 100 }]]);
    expect(statusesOf(world).slice(2)).toEqual([
      [120, 'RollingBack', 'cfg-v1'],
      [180, 'InService', 'cfg-v1'],
    ]);
  });

  it('fails an update whose new fleet never passes health checks and stays on the old config with the reason', async () => {
    // Prepare
    const { world, update, describeEndpoint, at } = await sandbox();
    const deployment = canary(25, 300);
    deployment.BlueGreenUpdatePolicy!.MaximumExecutionTimeoutInSeconds = 900;

    // Act
    await update('cfg-v4-unhealthy', deployment);
    await at(899);
    const stillTrying = await describeEndpoint();
    await at(900);
    const failed = await describeEndpoint();

    // Assess
    expect(stillTrying.EndpointStatus).toBe('Updating');
    expect(failed).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg-v1',
      FailureReason: expect.stringContaining('did not pass the ping health check'),
    });
    expect(trafficOf(world)).toEqual([[0, { 'cfg-v1': 100 }]]);
  });

  it('gives up on an unhealthy fleet after 600 s when the deployment sets no timeout', async () => {
    // Prepare
    const { update, describeEndpoint, at } = await sandbox();

    // Act
    await update('cfg-v4-unhealthy');
    await at(599);
    const stillTrying = await describeEndpoint();
    await at(600);
    const failed = await describeEndpoint();

    // Assess
    expect(stillTrying.EndpointStatus).toBe('Updating');
    expect(failed.FailureReason).toMatch(/production variant AllTraffic/);
  });

  it('refuses a blue/green update that needs more instances than the quota, in AWS words', async () => {
    // Prepare: ep-1 and ep-2 hold 2 ml.m5.large each; the quota is 6.
    const { update, describeEndpoint } = await sandbox();

    // Act
    const refused = await failure(update('cfg-big'));
    const otherType = await update('cfg-gpu');

    // Assess
    expect(refused).toMatchObject({
      name: 'ResourceLimitExceeded',
      message:
        "The account-level service limit 'ml.m5.large for endpoint usage' is 6 Instances, with current " +
        'utilization of 4 Instances and a request delta of 4 Instances. Please use AWS Service Quotas to request ' +
        'an increase for this quota.',
    });
    expect(otherType).toMatchObject({ EndpointArn: `${ARN}:endpoint/ep-1` });
    expect((await describeEndpoint()).PendingDeploymentSummary?.EndpointConfigName).toBe('cfg-gpu');
  });

  it('counts a rolling update against the quota by one batch, not the whole new fleet', async () => {
    // Prepare
    const { update } = await sandbox();
    const rolling: DeploymentConfig = {
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 2 },
        WaitIntervalInSeconds: 60,
      },
    };

    // Act
    const accepted = await update('cfg-big', rolling);

    // Assess
    expect(accepted).toMatchObject({ EndpointArn: `${ARN}:endpoint/ep-1` });
  });

  it('refuses an update while the endpoint is updating', async () => {
    // Prepare
    const { update, at } = await sandbox();
    await update('cfg-v2', canary(25, 300));
    await at(150);

    // Act
    const second = await failure(update('cfg-v1'));
    const seededUpdating = await failure(update('cfg-v2', undefined, 'ep-2'));

    // Assess
    expect(second).toMatchObject({
      name: 'ValidationException',
      message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep-1".`,
    });
    expect(seededUpdating).toMatchObject({
      message: `Cannot update in-progress endpoint "${ARN}:endpoint/ep-2".`,
    });
  });

  it('refuses to delete a configuration an endpoint uses or is being updated to, and deletes an unused one', async () => {
    // Prepare
    const { sagemaker, update } = await sandbox();
    await update('cfg-v2', canary(25, 300));
    const remove = (name: string) =>
      sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));

    // Act
    const current = await failure(remove('cfg-v1'));
    const target = await failure(remove('cfg-v2'));
    const unused = await remove('cfg-v3-bad');
    const gone = await failure(
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-v3-bad' })),
    );

    // Assess
    expect(current).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('"ep-1" uses it'),
    });
    expect(target).toMatchObject({ message: expect.stringContaining('"ep-1" is being updated to it') });
    expect(unused.$metadata.httpStatusCode).toBe(200);
    expect(gone).toMatchObject({ message: expect.stringContaining('Could not find endpoint configuration') });
  });

  it('creates a configuration that an update can then use', async () => {
    // Prepare
    const { sagemaker, update, at, describeEndpoint } = await sandbox();

    // Act
    const created = await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'cfg-v5',
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: 'model-v5',
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
          },
        ],
      }),
    );
    const duplicate = await failure(
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'cfg-v5',
          ProductionVariants: [
            { VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
          ],
        }),
      ),
    );
    await update('cfg-v5');
    await at(120);

    // Assess
    expect(created.EndpointConfigArn).toBe(`${ARN}:endpoint-config/cfg-v5`);
    expect(duplicate).toMatchObject({ message: expect.stringContaining('already existing') });
    expect(await describeEndpoint()).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg-v5',
    });
  });

  it('reuses the last deployment configuration when asked to retain it', async () => {
    // Prepare
    const { sagemaker, update, world, at } = await sandbox();
    await update('cfg-v2', canary(50, 100));
    await at(1000);

    // Act
    await sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'ep-1',
        EndpointConfigName: 'cfg-v1',
        RetainDeploymentConfig: true,
      }),
    );
    await at(2000);

    // Assess
    expect(trafficOf(world).slice(3)).toEqual([
      [1120, { 'cfg-v2': 50, 'cfg-v1': 50 }],
      [1220, { 'cfg-v1': 100 }],
    ]);
  });

  const W = 'deploymentConfig.blueGreenUpdatePolicy';
  it.each<[string, DeploymentConfig, string]>([
    [
      'a wait interval over 3600 s',
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 3601 },
        },
      },
      `Value '3601' at '${W}.trafficRoutingConfiguration.waitIntervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600`,
    ],
    [
      'a termination wait over 3600 s',
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
          TerminationWaitInSeconds: 4000,
        },
      },
      `at '${W}.terminationWaitInSeconds'`,
    ],
    [
      'a timeout under 600 s',
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 },
          MaximumExecutionTimeoutInSeconds: 599,
        },
      },
      `Value '599' at '${W}.maximumExecutionTimeoutInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 600`,
    ],
    [
      'a canary over half the fleet',
      canary(60, 300),
      `${W}.trafficRoutingConfiguration.canarySize 60 CAPACITY_PERCENT`,
    ],
    [
      'a linear step under 10%',
      {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'LINEAR',
            WaitIntervalInSeconds: 60,
            LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 5 },
          },
        },
      },
      'linearStepSize 5 CAPACITY_PERCENT is 5%',
    ],
    [
      'both a blue/green and a rolling policy',
      {
        ...canary(25, 60),
        RollingUpdatePolicy: {
          MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 1 },
          WaitIntervalInSeconds: 60,
        },
      },
      'exactly one of BlueGreenUpdatePolicy and RollingUpdatePolicy',
    ],
    [
      'eleven auto-rollback alarms',
      canary(
        25,
        60,
        Array.from({ length: 11 }, (_, i) => `alarm-${i}`),
      ),
      "at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length less than or equal to 10",
    ],
    [
      'an empty auto-rollback alarm list',
      canary(25, 60, []),
      "at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
  ])('refuses %s with a ValidationException naming the member', async (_what, deployment, message) => {
    // Prepare
    const { update, describeEndpoint } = await sandbox();

    // Act
    const refused = await failure(update('cfg-v2', deployment));

    // Assess
    expect(refused).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
    expect((await describeEndpoint()).EndpointStatus).toBe('InService');
  });

  it('gives the sandbox contract its fleet snapshot', async () => {
    // Prepare
    const { world, update, at } = await sandbox();

    // Act
    await update('cfg-v2');
    await at(300);
    const snapshot = world.snapshot();

    // Assess
    expect(snapshot).toEqual({
      endpoints: [
        { name: 'ep-1', status: 'InService', endpointConfigName: 'cfg-v2' },
        { name: 'ep-2', status: 'Updating', endpointConfigName: 'cfg-v1' },
      ],
      endpointConfigs: ['cfg-v1', 'cfg-v2', 'cfg-v3-bad', 'cfg-v4-unhealthy', 'cfg-big', 'cfg-gpu'],
      alarms: [{ name: 'caretaker-ep-1-5xx', state: 'OK' }],
    });
  });
});
