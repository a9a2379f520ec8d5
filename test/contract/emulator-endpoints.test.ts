import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { closeEmulators, openEmulator } from '../support/emulator.ts';
import {
  AddTagsCommand,
  CreateEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  EndpointStatus,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListTagsCommand,
  SageMakerClient,
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

  it('runs a canary: provisions, shifts the canary, bakes, shifts the rest, bakes it finally, keeps the old fleet, then is InService on the new config', async () => {
    // Prepare: after the full shift "there is a final baking period", then TerminationWaitInSeconds before the
    // blue fleet goes (developer guide, "Use canary traffic shifting"); both baking periods last W.
    const { world, update, describeEndpoint, at } = await sandbox();

    // Act
    await update('cfg-v2', canary(25, 300, ['caretaker-ep-1-5xx'], 60));
    const provisioning = await describeEndpoint();
    await at(200);
    const duringCanary = await describeEndpoint();
    await at(430);
    const finalBake = await describeEndpoint();
    await at(779);
    const terminationWait = await describeEndpoint();
    await at(780);
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
    expect([provisioning, duringCanary, finalBake, terminationWait].map(variantStatus)).toEqual([
      VariantStatus.CREATING,
      VariantStatus.ACTIVATING_TRAFFIC,
      VariantStatus.BAKING,
      VariantStatus.BAKING,
    ]);
    expect(terminationWait).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'cfg-v1' });
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
      [780, 'InService', 'cfg-v2'],
    ]);
  });

  it('shifts a linear step every wait interval, bakes the last one too, and an all-at-once shift in one step', async () => {
    // Prepare: linear's last step is followed by a final baking period of W ("Use linear traffic shifting").
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
      [240, 'InService', 'cfg-v2'],
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

  it('rolls back by itself when an auto-rollback alarm fires during the canary: Updating, then InService on the OLD config, no FailureReason', async () => {
    // Prepare: RollingBack "only applies to an endpoint that has autoscaling enabled and is undergoing variant
    // weight or capacity changes as part of an UpdateEndpointWeightsAndCapacities call" (API reference,
    // DescribeEndpoint, EndpointStatus): a deployment's auto-rollback shows Updating until it is done.
    const { world, cloudwatch, update, describeEndpoint, at, events } = await sandbox();

    // Act: the canary takes traffic at 120 s; its alarm breaches one period later.
    await update('cfg-v3-bad', canary(25, 600, ['caretaker-ep-1-5xx']));
    await at(200);
    const rollingBack = await describeEndpoint();
    await at(240);
    const after = await describeEndpoint();
    const alarm = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['caretaker-ep-1-5xx'] }));

    // Assess
    expect(rollingBack).toMatchObject({
      EndpointStatus: EndpointStatus.UPDATING,
      EndpointConfigName: 'cfg-v1',
    });
    expect(rollingBack.FailureReason).toBeUndefined();
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'cfg-v1' });
    expect(after.FailureReason).toBeUndefined();
    expect(after.PendingDeploymentSummary).toBeUndefined();
    expect(statusesOf(world)).toEqual([
      [0, 'InService', 'cfg-v1'],
      [0, 'Updating', 'cfg-v1'],
      [240, 'InService', 'cfg-v1'],
    ]);
    expect(world.statusHistory.map((s) => s.status)).not.toContain('RollingBack');
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
    expect(statusesOf(world).slice(2)).toEqual([[180, 'InService', 'cfg-v1']]);
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
    // Prepare: ep-1 and ep-2 hold 2 ml.m5.large each; the quota is 6. An UpdateEndpoint without
    // DeploymentConfig is blue/green all at once ("If no update policy is specified, SageMaker uses a
    // blue/green deployment strategy with all at once traffic shifting by default", API reference,
    // BlueGreenUpdatePolicy): the whole new fleet comes up beside the old one. The text is AWS's, as seen in
    // ResourceLimitExceeded answers (e.g. aws-samples/aws-genai-llm-chatbot #244).
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
        'an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an ' +
        'increase for this quota.',
    });
    expect(otherType).toMatchObject({ EndpointArn: `${ARN}:endpoint/ep-1` });
    expect((await describeEndpoint()).PendingDeploymentSummary?.EndpointConfigName).toBe('cfg-gpu');
  });

  const rolling = (batch: number, wait = 60, rollbackBatch?: number): DeploymentConfig => ({
    RollingUpdatePolicy: {
      MaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: batch },
      WaitIntervalInSeconds: wait,
      ...(rollbackBatch
        ? { RollbackMaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: rollbackBatch } }
        : {}),
    },
  });

  it.each<[string, number, DeploymentConfig | undefined, number | 'accepted']>([
    ['an update without DeploymentConfig (blue/green all at once)', 7, undefined, 4],
    ['a blue/green canary', 7, canary(25, 60), 4],
    ['a rolling update', 7, rolling(2), 'accepted'],
    ['a rolling update', 5, rolling(2), 2],
    ['a rolling update', 5, rolling(1), 'accepted'],
  ])(
    'counts %s against a quota of %i by what it brings up beside the old fleet',
    async (_what, quota, deployment, refusedDelta) => {
      // Prepare: ep-1 and ep-2 hold 4 ml.m5.large; cfg-big has 4. Blue/green "creates a new fleet during
      // the deployment while maintaining the old fleet" (API reference, BlueGreenUpdatePolicy); rolling
      // brings up one batch, then "terminate[s] capacity on the old endpoint fleet" (RollingUpdatePolicy).
      const { update } = await sandbox(FLEET.replace('ml.m5.large: 6', `ml.m5.large: ${quota}`));

      // Act
      const answer = await update('cfg-big', deployment).catch((err: unknown) => err);

      // Assess
      if (refusedDelta === 'accepted') expect(answer).toMatchObject({ EndpointArn: `${ARN}:endpoint/ep-1` });
      else
        expect(answer).toMatchObject({
          name: 'ResourceLimitExceeded',
          message: expect.stringContaining(
            `is ${quota} Instances, with current utilization of 4 Instances and a request delta of ${refusedDelta} Instances.`,
          ),
        });
    },
  );

  /** One endpoint of four instances, room for one more, and an auto-rollback alarm that fires at 250 s. */
  const ROLLING_FLEET = `
start: 2026-11-23T02:00:00Z
endpointConfigs:
  - { name: cfg-r1, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }] }
  - { name: cfg-r2, variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 4 }] }
endpoints:
  - { name: ep-1, endpointConfigName: cfg-r1 }
alarms:
  - { name: rollout-5xx, flips: [{ atSeconds: 250, state: ALARM }] }
quotas: { ml.m5.large: 5 }
`;

  it.each([
    [
      'batch by batch with a RollbackMaximumBatchSize of one instance',
      1,
      { status: 'InService', reason: undefined },
      [
        [370, { 'cfg-r1': 50, 'cfg-r2': 50 }],
        [490, { 'cfg-r1': 75, 'cfg-r2': 25 }],
        [610, { 'cfg-r1': 100 }],
      ],
    ],
    [
      'not at all when the whole old fleet must come back at once and the quota has no room: UpdateRollbackFailed',
      undefined,
      {
        status: 'UpdateRollbackFailed',
        reason: expect.stringMatching(
          /is 5 Instances, with current utilization of 4 Instances and a request delta of 3/,
        ),
      },
      [],
    ],
  ])('rolls a rolling deployment back %s', async (_how, rollbackBatch, expected, rollbackTraffic) => {
    // Prepare: batches of one instance every 60 s from 120 s; the alarm fires at 250 s, when three of four
    // old instances are gone. RollbackMaximumBatchSize brings old instances back per step, by default
    // "the whole capacity of the old fleet at once" (API reference, RollingUpdatePolicy); without room
    // the endpoint is UpdateRollbackFailed: "Both the rolling deployment and auto-rollback failed. Your
    // endpoint is in service with a mix of the old and new endpoint configurations" (EndpointStatus).
    const { world, update, at, describeEndpoint } = await sandbox(ROLLING_FLEET);
    await update('cfg-r2', {
      ...rolling(1, 60, rollbackBatch),
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'rollout-5xx' }] },
    });

    // Act
    await at(1000);
    const endpoint = await describeEndpoint();

    // Assess
    expect(endpoint).toMatchObject({ EndpointStatus: expected.status, EndpointConfigName: 'cfg-r1' });
    expect(endpoint.FailureReason).toEqual(expected.reason);
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-r1': 100 }],
      [120, { 'cfg-r1': 75, 'cfg-r2': 25 }],
      [180, { 'cfg-r1': 50, 'cfg-r2': 50 }],
      [240, { 'cfg-r1': 25, 'cfg-r2': 75 }],
      ...rollbackTraffic,
    ]);
    expect(world.statusHistory.map((s) => s.status)).not.toContain('RollingBack');
  });

  it.each([
    [
      'during the final bake after the full shift, SageMaker rolls back',
      600,
      'cfg-v1',
      [[600, { 'cfg-v1': 100 }]],
    ],
    ['during the termination wait after the final bake, nothing is rolled back', 750, 'cfg-v2', []],
  ])('when an auto-rollback alarm fires %s', async (_when, alarmAt, live, rollbackTraffic) => {
    // Prepare: canary at 120 s, full shift at 420 s, final bake until 720 s, termination wait until 780 s.
    // "If the final baking period finishes without tripping any alarms, then the green fleet serves all
    // traffic" (developer guide, "Use canary traffic shifting"); the termination wait comes after it.
    const { world, update, at, describeEndpoint } = await sandbox(
      FLEET.replace(
        '- name: caretaker-ep-1-5xx',
        `- name: caretaker-ep-1-5xx\n    flips: [{ atSeconds: ${alarmAt}, state: ALARM }]`,
      ),
    );
    await update('cfg-v2', canary(25, 300, ['caretaker-ep-1-5xx'], 60));

    // Act
    await at(1000);

    // Assess
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: live });
    expect(trafficOf(world)).toEqual([
      [0, { 'cfg-v1': 100 }],
      [120, { 'cfg-v1': 75, 'cfg-v2': 25 }],
      [420, { 'cfg-v2': 100 }],
      ...rollbackTraffic,
    ]);
  });

  it('refuses a rolling deployment on an endpoint with several production variants, and lets blue/green through', async () => {
    // Prepare: "If you're doing a rolling deployment, there are additional feature-based exclusions: …
    // Multi-variant inference endpoints" (developer guide, deployment guardrails "Exclusions").
    const { update } = await sandbox(
      FLEET.replace(
        'endpoints:\n',
        `  - name: cfg-two
    variants:
      - { name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }
      - { name: Shadow, instanceType: ml.m5.large, instanceCount: 2 }
endpoints:\n`,
      ).replace('ml.m5.large: 6', 'ml.m5.large: 20'),
    );

    // Act
    const refused = await failure(update('cfg-two', rolling(1)));
    const blueGreen = await update('cfg-two', canary(50, 60));

    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/RollingUpdatePolicy .*single production variant.*configuration has 2/),
    });
    expect(blueGreen).toMatchObject({ EndpointArn: `${ARN}:endpoint/ep-1` });
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

  it('deletes a configuration that endpoints run, as AWS does: they keep serving it under its name, cannot be updated any more and still hold their instances', async () => {
    // Prepare: the API reference only warns ("You must not delete an EndpointConfig in use by an endpoint that
    // is live …", DeleteEndpointConfig); the endpoint then "references a non-existent configuration" and
    // updates fail with "Could not find endpoint configuration "<old_endpoint_config_arn>""
    // (terraform-provider-aws #48997, #40048). "The endpoint must be deleted in order to stop incurring
    // charges": its instances stay, so they still count against the quota (6 ml.m5.large here).
    const { sagemaker, update, describeEndpoint } = await sandbox(
      FLEET.replace('endpoints:\n', 'endpoints:\n  - { name: ep-3, endpointConfigName: cfg-gpu }\n'),
    );

    // Act
    const deleted = await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-v1' }));
    const described = await failure(
      sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-v1' })),
    );
    const endpoint = await describeEndpoint();
    const updated = await failure(update('cfg-v2'));
    const listed = await sagemaker.send(new ListEndpointConfigsCommand({ MaxResults: 100 }));
    const quota = await failure(update('cfg-big', undefined, 'ep-3'));

    // Assess
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    expect(described).toMatchObject({
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-v1".`,
    });
    expect(endpoint).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg-v1',
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 2 }],
    });
    expect(updated).toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-v1".`,
    });
    expect(listed.EndpointConfigs?.map((c) => c.EndpointConfigName)).not.toContain('cfg-v1');
    expect(quota).toMatchObject({
      name: 'ResourceLimitExceeded',
      message: expect.stringContaining('with current utilization of 4 Instances and a request delta of 4'),
    });
  });

  it("refuses a rollback to a configuration another endpoint still ran when it was deleted, with AWS's Could not find endpoint configuration", async () => {
    // Prepare: ep-1 moves from cfg-v1 to cfg-v2; cfg-v1 is still live on ep-2 when it is deleted (AWS accepts
    // that). caretaker's own rollback of ep-1 is an UpdateEndpoint to cfg-v1, which no longer exists
    // (terraform-provider-aws #40048 shows the text for an update that needs a deleted configuration).
    const { sagemaker, update, at, describeEndpoint } = await sandbox();
    await update('cfg-v2');
    await at(300);
    await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-v1' }));

    // Act
    const rollback = await failure(update('cfg-v1'));

    // Assess
    expect(rollback).toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-v1".`,
    });
    expect(await describeEndpoint()).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg-v2',
    });
    expect(await describeEndpoint('ep-2')).toMatchObject({ EndpointConfigName: 'cfg-v1' });
  });

  it('finishes a deployment whose target configuration is deleted while it runs, on the deleted name', async () => {
    // Prepare: AWS documents no outcome ("You must not delete an EndpointConfig … while the UpdateEndpoint …
    // operations are being performed"); the new fleet was already described when the update began, so the
    // sandbox lets it finish, and DescribeEndpoint names a configuration that no longer exists.
    const { sagemaker, update, at, describeEndpoint } = await sandbox();
    await update('cfg-v2', canary(50, 60));

    // Act
    await at(150);
    await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-v2' }));
    await at(400);

    // Assess
    expect(await describeEndpoint()).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'cfg-v2',
      ProductionVariants: [{ CurrentInstanceCount: 2 }],
    });
  });

  it.each([
    [
      'restores',
      { status: 'InService', reason: undefined },
      [
        [120, { 'cfg-v1': 75, 'cfg-v3-bad': 25 }],
        [180, { 'cfg-v1': 100 }],
      ],
    ],
    [
      'fails',
      {
        status: 'UpdateRollbackFailed',
        reason: `Could not find endpoint configuration "${ARN}:endpoint-config/cfg-v1".`,
      },
      [[120, { 'cfg-v1': 75, 'cfg-v3-bad': 25 }]],
    ],
  ])(
    "models both answers to SageMaker's auto-rollback onto a configuration deleted mid-deployment: %s",
    async (knob, expected, traffic) => {
      // Prepare: AWS does not document what its auto-rollback does when the old configuration was deleted
      // during the deployment; the blue fleet still runs. `endpoints[].autoRollbackWithDeletedConfig` picks.
      const { sagemaker, world, update, at, describeEndpoint } = await sandbox(
        FLEET.replace(
          '- name: ep-1\n    endpointConfigName: cfg-v1',
          `- name: ep-1\n    endpointConfigName: cfg-v1\n    autoRollbackWithDeletedConfig: ${knob}`,
        ),
      );
      await update('cfg-v3-bad', canary(25, 600, ['caretaker-ep-1-5xx']));
      await at(130);
      await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-v1' }));

      // Act: the canary's alarm breaches at 180 s.
      await at(600);
      const endpoint = await describeEndpoint();

      // Assess
      expect(endpoint).toMatchObject({ EndpointStatus: expected.status, EndpointConfigName: 'cfg-v1' });
      expect(endpoint.FailureReason).toBe(expected.reason);
      expect(trafficOf(world).slice(1)).toEqual(traffic);
    },
  );

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

  it('refuses a variant instance type the API model does not have', async () => {
    // Prepare: ProductionVariant.InstanceType is an enum in the API model (ProductionVariantInstanceType).
    const { sagemaker } = await sandbox();

    // Act
    const refused = await failure(
      sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'cfg-typo',
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              InstanceType: 'ml.m5.huge' as 'ml.m5.large',
              InitialInstanceCount: 1,
            },
          ],
        }),
      ),
    );

    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /^1 validation error detected: Value 'ml\.m5\.huge' at 'productionVariants\.1\.member\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.m5\.large/,
      ),
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
      'a rolling batch under 5% of the variant',
      {
        RollingUpdatePolicy: {
          MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 4 },
          WaitIntervalInSeconds: 60,
        },
      },
      "deploymentConfig.rollingUpdatePolicy.maximumBatchSize 4 CAPACITY_PERCENT is 4% of variant AllTraffic's 2 instance(s); it must be between 5% and 50%",
    ],
    [
      'a rolling batch over half the variant',
      rolling(2),
      "maximumBatchSize 2 INSTANCE_COUNT is 100% of variant AllTraffic's 2 instance(s)",
    ],
    [
      'a rollback batch larger than the old fleet',
      rolling(1, 60, 3),
      "rollbackMaximumBatchSize 3 INSTANCE_COUNT is 150% of variant AllTraffic's 2 instance(s); it must be between 0% and 100%",
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

describe('SageMaker tags on endpoints and endpoint configurations', () => {
  // AddTags and ListTags serve every SageMaker resource family ("notebook instances, … endpoint
  // configurations, and endpoints"); limits from botocore's sagemaker/2017-07-24/service-2.json: TagList at
  // most 50, TagKey 1–128 and TagValue 0–256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@]; the aws: prefix is
  // reserved (AWS General Reference, "Tagging AWS resources").
  const CONFIG_ARN = `${ARN}:endpoint-config/cfg-v2`;
  const tagsOf = async (sagemaker: SageMakerClient, ResourceArn: string) =>
    (await sagemaker.send(new ListTagsCommand({ ResourceArn }))).Tags;

  it('adds and overwrites the tags of an endpoint configuration, and lists them', async () => {
    // Prepare
    const { sagemaker } = await sandbox();

    // Act
    await sagemaker.send(
      new AddTagsCommand({
        ResourceArn: CONFIG_ARN,
        Tags: [
          { Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-23T02:00:00.000Z' },
          { Key: 'team', Value: 'ml' },
        ],
      }),
    );
    const answer = await sagemaker.send(
      new AddTagsCommand({
        ResourceArn: CONFIG_ARN,
        Tags: [{ Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-24T02:00:00.000Z' }],
      }),
    );

    // Assess
    const expected = [
      { Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-24T02:00:00.000Z' },
      { Key: 'team', Value: 'ml' },
    ];
    expect(answer.Tags).toEqual(expected);
    expect(await tagsOf(sagemaker, CONFIG_ARN)).toEqual(expected);
    expect(await tagsOf(sagemaker, `${ARN}:endpoint/ep-1`)).toEqual([]);
  });

  it.each([
    [[{ Key: 'aws:owner', Value: 'x' }], /reserved for AWS use/],
    [[{ Key: 'k'.repeat(129), Value: 'x' }], /tags.1.member.key.*length between 1 and 128/],
    [[{ Key: 'bad#key', Value: 'x' }], /tags.1.member.key.*regular expression pattern/],
    [Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })), /length less than or equal to 50/],
  ])('refuses tags outside the API limits: %#', async (Tags, message) => {
    // Prepare
    const { sagemaker } = await sandbox();

    // Act
    const refused = await failure(sagemaker.send(new AddTagsCommand({ ResourceArn: CONFIG_ARN, Tags })));

    // Assess
    expect(refused).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(message) });
    expect(await tagsOf(sagemaker, CONFIG_ARN)).toEqual([]);
  });

  it('finds no tags on a configuration once it is deleted', async () => {
    // Prepare
    const { sagemaker } = await sandbox();
    await sagemaker.send(
      new AddTagsCommand({ ResourceArn: CONFIG_ARN, Tags: [{ Key: 'team', Value: 'ml' }] }),
    );

    // Act
    await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-v2' }));
    const refused = await failure(tagsOf(sagemaker, CONFIG_ARN));

    // Assess
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/not found/),
    });
  });
});
