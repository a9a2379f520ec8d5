import * as SageMakerApi from '@aws-sdk/client-sagemaker';
import {
  DescribeNotebookInstanceCommand,
  DescribeNotebookInstanceLifecycleConfigCommand,
  ListNotebookInstanceLifecycleConfigsCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  NotebookInstanceStatus,
  SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
  paginateListNotebookInstances,
  type UpdateNotebookInstanceCommandInput,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sandbox/clock.ts';
import { startEmulator, type BusEvent, type Emulator } from '../../sandbox/emulator/index.ts';
import { CAPACITY_FAILURE, PLATFORM_IDENTIFIERS } from '../../sandbox/emulator/notebooks.ts';
import { parseFleet } from '../../sandbox/fleet.ts';

const START = Date.parse('2026-11-23T02:00:00Z');
const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };
const ARN_PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';

const FLEET = `
start: 2026-11-23T02:00:00Z
platformRelease: "2026.11"
lifecycleConfigs: [lc-v1, lc-v2]
notebooks:
  - name: nb-1
    lifecycleConfigName: lc-v1
    tags: { patch-group: weekly, owner: alice }
  - name: nb-stopped
    status: Stopped
    volumeSizeInGB: 20
  - name: nb-failing
    status: Stopped
    lifecycleConfigName: lc-v1
    behavior: { failStarts: 1 }
  - name: nb-lc-v2
    status: Stopped
    lifecycleConfigName: lc-v1
    behavior: { failStartsWithLifecycleConfig: lc-v2 }
  - name: nb-stuck
    behavior: { stuckStopping: true }
  - name: Nb-Mixed
    status: Failed
`;

let opened: { emulator: Emulator; clock: VirtualClock; client: SageMakerClient } | undefined;

afterEach(async () => {
  opened?.client.destroy();
  await opened?.emulator.close();
  opened?.clock.uninstall();
  opened = undefined;
});

async function sandbox(yaml = FLEET) {
  const fleet = parseFleet(yaml, 'test-fleet.yml');
  const clock = new VirtualClock(fleet.start);
  clock.install();
  const emulator = await startEmulator(fleet, { schedule: (at, fire) => clock.schedule(at, fire) });
  const client = new SageMakerClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
  const events: BusEvent[] = [];
  emulator.onEvent((e) => events.push(e));
  opened = { emulator, clock, client };
  const advance = (seconds: number) => clock.drive(clock.sleep(seconds * 1000));
  const describe = (name: string) =>
    client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }));
  return { emulator, clock, client, events, advance, describe };
}

/** One JSON 1.1 call on the wire, answering the parsed body. */
async function wire(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(opened!.emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `SageMaker.${operation}` },
    body: JSON.stringify(input),
  });
  expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
  return (await response.json()) as Record<string, unknown>;
}

type Schema = [number, string, string, number, ...unknown[]];

/** The member names of a structure in the SDK's schema (generated from the same Smithy model as botocore). */
function membersOf(structure: Schema): string[] {
  return structure[4] as string[];
}

/** The output structure schema of an operation, e.g. `DescribeNotebookInstance`. */
function outputOf(operation: string): Schema {
  const schema = (SageMakerApi as unknown as Record<string, Schema>)[`${operation}$`];
  if (!schema || schema[0] !== 9) throw new Error(`${operation} is not an operation of the SageMaker model`);
  return (schema[5] as () => Schema)();
}

/** Asserts that every member of `value` exists in `structure`, recursing into nested structures and lists. */
function expectMembersInModel(value: Record<string, unknown>, structure: Schema, where: string) {
  const names = membersOf(structure);
  const types = structure[5] as unknown[];
  for (const [member, inner] of Object.entries(value)) {
    expect(names, `${where}.${member}`).toContain(member);
    const type = types[names.indexOf(member)];
    const resolved = typeof type === 'function' ? (type as () => unknown)() : type;
    if (Array.isArray(resolved) && resolved[0] === 3 && inner && typeof inner === 'object')
      expectMembersInModel(inner as Record<string, unknown>, resolved as Schema, `${where}.${member}`);
    if (Array.isArray(resolved) && resolved[0] === 1 && Array.isArray(inner)) {
      const element = typeof resolved[4] === 'function' ? (resolved[4] as () => Schema)() : resolved[4];
      if (Array.isArray(element) && element[0] === 3)
        for (const item of inner)
          expectMembersInModel(item as Record<string, unknown>, element as Schema, `${where}.${member}[]`);
    }
  }
}

describe('the notebook emulator against the SageMaker model', () => {
  it('serves only operations that exist in the installed SageMaker model', async () => {
    // Prepare
    const { emulator } = await sandbox();
    const served = [
      'ListNotebookInstances',
      'DescribeNotebookInstance',
      'StopNotebookInstance',
      'StartNotebookInstance',
      'UpdateNotebookInstance',
      'ListTags',
      'ListNotebookInstanceLifecycleConfigs',
      'DescribeNotebookInstanceLifecycleConfig',
    ];

    // Act
    const sent = await Promise.all(
      served.map((op) =>
        fetch(emulator.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `SageMaker.${op}` },
          body: '{}',
        }).then((r) => r.headers.get('x-amzn-errortype')),
      ),
    );

    // Assess: each is routed (a validation error about the input, never an unknown operation) and modelled.
    expect(sent).not.toContain('UnknownOperationException');
    for (const op of served) expect(() => outputOf(op), op).not.toThrow();
  });

  it('answers Describe, List, ListTags and the lifecycle config operations with members of the model only', async () => {
    // Prepare
    const { client, describe, advance } = await sandbox();
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-failing' }));
    await advance(300);

    // Act: the raw JSON each operation answers on the wire.
    const raw: Record<string, Record<string, unknown>> = {};
    const calls: Array<[string, Record<string, unknown>]> = [
      ['DescribeNotebookInstance', { NotebookInstanceName: 'nb-failing' }],
      ['ListNotebookInstances', {}],
      ['ListTags', { ResourceArn: `${ARN_PREFIX}:notebook-instance/nb-1` }],
      ['ListNotebookInstanceLifecycleConfigs', {}],
      ['DescribeNotebookInstanceLifecycleConfig', { NotebookInstanceLifecycleConfigName: 'lc-v1' }],
    ];
    for (const [op, input] of calls) raw[op] = await wire(op, input);
    const described = await describe('nb-failing');

    // Assess
    expect(() => expectMembersInModel({ Bogus: 1 }, outputOf('DescribeNotebookInstance'), 'guard')).toThrow();
    expect(Object.keys(raw)).toHaveLength(5);
    for (const [op, body] of Object.entries(raw)) expectMembersInModel(body, outputOf(op), op);
    expect(described.FailureReason).toBe(CAPACITY_FAILURE);
    expect(raw.DescribeNotebookInstance).toMatchObject({
      NotebookInstanceArn: `${ARN_PREFIX}:notebook-instance/nb-failing`,
      NotebookInstanceStatus: 'Failed',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '1' },
      CreationTime: expect.any(Number),
      LastModifiedTime: (START + 300_000) / 1000,
    });
  });

  it('reports every status value from the model enum, and every status change as it happens', async () => {
    // Prepare
    const { client, advance, emulator } = await sandbox();
    const statuses = new Set<string>();
    const look = async () => {
      for await (const page of paginateListNotebookInstances({ client }, {}))
        for (const nb of page.NotebookInstances ?? []) statuses.add(nb.NotebookInstanceStatus!);
    };

    // Act: walk notebooks through every transition the emulator has.
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-stopped' }));
    await client.send(
      new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-failing', VolumeSizeInGB: 10 }),
    );
    await look();
    await advance(300);
    await look();

    // Assess
    const enumValues = Object.values(NotebookInstanceStatus) as string[];
    for (const status of [...statuses, ...emulator.notebooks.history.map((h) => h.status)])
      expect(enumValues).toContain(status);
    expect([...statuses].sort()).toEqual(
      ['Failed', 'InService', 'Pending', 'Stopped', 'Stopping', 'Updating'].sort(),
    );
  });
});

describe('the notebook lifecycle on virtual time', () => {
  it('stops an InService notebook: Stopping at once, Stopped exactly stopSeconds later', async () => {
    // Prepare
    const { client, describe, advance, events } = await sandbox();

    // Act
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));
    const right = await describe('nb-1');
    await advance(89);
    const before = await describe('nb-1');
    await advance(1);
    const at = await describe('nb-1');

    // Assess
    expect([right, before, at].map((d) => d.NotebookInstanceStatus)).toEqual([
      'Stopping',
      'Stopping',
      'Stopped',
    ]);
    expect(at.LastModifiedTime).toEqual(new Date(START + 90_000));
    const changes = events.filter((e) => e['detail-type'] === 'SageMaker Notebook Instance State Change');
    expect(changes.map((e) => [e.time, e.detail.NotebookInstanceStatus])).toEqual([
      ['2026-11-23T02:00:00Z', 'Stopping'],
      ['2026-11-23T02:01:30Z', 'Stopped'],
    ]);
    expect(changes[1]).toMatchObject({
      source: 'aws.sagemaker',
      eventBusName: 'default',
      account: '123456789012',
      region: 'us-east-1',
      resources: [`${ARN_PREFIX}:notebook-instance/nb-1`],
      detail: { NotebookInstanceName: 'nb-1', NotebookInstanceLifecycleConfigName: 'lc-v1' },
    });
  });

  it('refuses to stop a notebook that is not InService, in the API’s words', async () => {
    // Prepare
    const { client } = await sandbox();
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));

    // Act
    const error = await client
      .send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }))
      .catch((e: Error) => e);

    // Assess: AWS's text as aws/amazon-sagemaker-examples#1798 and terraform-provider-aws#16767 quote it.
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: `Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (${ARN_PREFIX}:notebook-instance/nb-1).`,
    });
  });

  it('keeps a stuckStopping notebook in Stopping forever', async () => {
    // Prepare
    const { client, describe, advance } = await sandbox();

    // Act
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-stuck' }));
    await advance(24 * 3600);

    // Assess
    expect((await describe('nb-stuck')).NotebookInstanceStatus).toBe('Stopping');
  });

  it('starts a stopped notebook onto the fleet release and records when it started', async () => {
    // Prepare
    const { client, describe, advance, emulator } = await sandbox();

    // Act
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-stopped' }));
    const pending = await describe('nb-stopped');
    await advance(300);
    const started = await describe('nb-stopped');

    // Assess
    expect(pending.NotebookInstanceStatus).toBe('Pending');
    expect(started.NotebookInstanceStatus).toBe('InService');
    expect(emulator.notebooks.get('nb-stopped')).toMatchObject({
      platformRelease: '2026.11',
      lastStartedAt: START + 300_000,
    });
    expect(emulator.notebooks.history.filter((h) => h.name === 'nb-stopped')).toEqual([
      { name: 'nb-stopped', status: 'Stopped', at: START },
      { name: 'nb-stopped', status: 'Pending', at: START },
      { name: 'nb-stopped', status: 'InService', at: START + 300_000 },
    ]);
  });

  it('fails the next failStarts starts for capacity, whatever lifecycle config is attached, then starts normally', async () => {
    // Prepare
    const { client, describe, advance, emulator } = await sandbox();
    const start = () => client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-failing' }));

    // Act
    await start();
    await advance(300);
    const failed = await describe('nb-failing');
    await start();
    await advance(300);
    const second = await describe('nb-failing');

    // Assess: SageMaker's capacity FailureReason (aws/amazon-sagemaker-examples#207), not lc-v1's.
    expect(failed.NotebookInstanceStatus).toBe('Failed');
    expect(failed.FailureReason).toBe(
      'Insufficient notebook instance capacity. Retry later or with a different instance type.',
    );
    expect(second.NotebookInstanceStatus).toBe('InService');
    expect(second.FailureReason).toBeUndefined();
    expect(emulator.notebooks.get('nb-failing')?.platformRelease).toBe('2026.11');
  });

  it('fails every start while failStartsWithLifecycleConfig is attached, and not after it is switched back', async () => {
    // Prepare
    const { client, describe, advance } = await sandbox();
    const name = 'nb-lc-v2';
    const update = (input: Omit<UpdateNotebookInstanceCommandInput, 'NotebookInstanceName'>) =>
      client.send(new UpdateNotebookInstanceCommand({ NotebookInstanceName: name, ...input }));
    const start = () => client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: name }));

    // Act
    await update({ LifecycleConfigName: 'lc-v2' });
    const updating = await describe(name);
    await advance(20);
    const updated = await describe(name);
    await start();
    await advance(300);
    const failed = await describe(name);
    await update({ LifecycleConfigName: 'lc-v1' });
    await advance(20);
    await start();
    await advance(300);
    const restored = await describe(name);

    // Assess
    expect(updating.NotebookInstanceStatus).toBe('Updating');
    expect(updated).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      NotebookInstanceLifecycleConfigName: 'lc-v2',
    });
    // SageMaker's words for an OnStart over 5 minutes
    // (aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples#86, fastai/course-v3#518).
    expect(failed.NotebookInstanceStatus).toBe('Failed');
    expect(failed.FailureReason).toBe(
      `Notebook Instance Lifecycle Config '${ARN_PREFIX}:notebook-instance-lifecycle-config/lc-v2' for Notebook Instance '${ARN_PREFIX}:notebook-instance/nb-lc-v2' took longer than 5 minutes. Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.`,
    );
    expect(restored).toMatchObject({
      NotebookInstanceStatus: 'InService',
      NotebookInstanceLifecycleConfigName: 'lc-v1',
    });
  });

  it('applies every supported setting of an update and detaches the lifecycle config', async () => {
    // Prepare
    const { client, describe, advance, emulator } = await sandbox();

    // Act
    await client.send(
      new UpdateNotebookInstanceCommand({
        NotebookInstanceName: 'nb-stopped',
        InstanceType: 'ml.m5.xlarge',
        RootAccess: 'Disabled',
        VolumeSizeInGB: 50,
        InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
        PlatformIdentifier: 'notebook-al2023-v1',
      }),
    );
    await advance(20);
    await client.send(
      new UpdateNotebookInstanceCommand({
        NotebookInstanceName: 'nb-failing',
        DisassociateLifecycleConfig: true,
      }),
    );
    await advance(20);

    // Assess
    expect(await describe('nb-stopped')).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      InstanceType: 'ml.m5.xlarge',
      RootAccess: 'Disabled',
      VolumeSizeInGB: 50,
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
      PlatformIdentifier: 'notebook-al2023-v1',
    });
    expect((await describe('nb-failing')).NotebookInstanceLifecycleConfigName).toBeUndefined();
    expect(emulator.notebooks.snapshot().find((n) => n.name === 'nb-failing')).toMatchObject({
      lifecycleConfigName: null,
    });
  });

  it.each<[string, Omit<UpdateNotebookInstanceCommandInput, 'NotebookInstanceName'>, RegExp]>([
    ['an unknown lifecycle config', { LifecycleConfigName: 'lc-nope' }, /lc-nope' does not exist/],
    [
      'a lifecycle config together with detaching it',
      { LifecycleConfigName: 'lc-v2', DisassociateLifecycleConfig: true },
      /both LifecycleConfigName and DisassociateLifecycleConfig/,
    ],
    ['a smaller volume', { VolumeSizeInGB: 10 }, /can only be increased.*10.*20/],
    ['a RootAccess outside the enum', { RootAccess: 'Sometimes' as never }, /'Sometimes' at 'rootAccess'/],
    [
      'an IMDS version outside the enum',
      { InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '3' } },
      /'3' at 'instanceMetadataServiceConfiguration/,
    ],
    ['no change at all', {}, /Nothing to update/],
  ])('refuses an update with %s', async (_what, input, message) => {
    // Prepare
    const { client, emulator } = await sandbox();

    // Act
    const error = await client
      .send(new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-stopped', ...input }))
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(message);
    expect(emulator.notebooks.get('nb-stopped')?.status).toBe('Stopped');
  });

  it('refuses to update or start a running notebook, and answers RecordNotFound for an unknown one', async () => {
    // Prepare
    const { client } = await sandbox();

    // Act
    const update = await client
      .send(new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-1', RootAccess: 'Disabled' }))
      .catch((e: Error) => e);
    const start = await client
      .send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }))
      .catch((e: Error) => e);
    const unknown = await client
      .send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb-ghost' }))
      .catch((e: Error) => e);

    // Assess: the Start text as aws/amazon-sagemaker-examples#1094 quotes it; no public quote of the Update
    // refusal was found, so it follows the same pattern with the target status Updating.
    const arn = `${ARN_PREFIX}:notebook-instance/nb-1`;
    expect(update).toMatchObject({
      name: 'ValidationException',
      message: `Status (InService) not in ([Stopped, Failed]). Unable to transition to (Updating) for Notebook Instance (${arn}).`,
    });
    expect(start).toMatchObject({
      name: 'ValidationException',
      message: `Status (InService) not in ([Stopped, Failed]). Unable to transition to (Pending) for Notebook Instance (${arn}).`,
    });
    expect(unknown).toMatchObject({ name: 'ValidationException', message: 'RecordNotFound' });
  });

  it('starts a Failed notebook', async () => {
    // Prepare
    const { client, describe, advance } = await sandbox();

    // Act
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'Nb-Mixed' }));
    await advance(300);

    // Assess
    const described = await describe('Nb-Mixed');
    expect(described.NotebookInstanceStatus).toBe('InService');
    expect(described.NotebookInstanceArn).toBe(`${ARN_PREFIX}:notebook-instance/nb-mixed`);
  });

  it('finishes a transition the fleet seeds, on time', async () => {
    // Prepare
    const { describe, advance } = await sandbox(`
notebooks:
  - { name: nb-seeded, status: Stopping, behavior: { stopSeconds: 60 } }
`);

    // Act
    const before = await describe('nb-seeded');
    await advance(60);
    const after = await describe('nb-seeded');

    // Assess
    expect([before.NotebookInstanceStatus, after.NotebookInstanceStatus]).toEqual(['Stopping', 'Stopped']);
  });
});

describe('listing notebooks', () => {
  const many = `notebooks:\n${Array.from({ length: 25 }, (_, i) => `  - { name: nb-${String(i).padStart(2, '0')}, status: ${i % 5 === 0 ? 'Stopped' : 'InService'} }`).join('\n')}\n`;

  it('pages with NextToken, 10 per page by default, through every notebook exactly once', async () => {
    // Prepare
    const { client } = await sandbox(many);

    // Act
    const pages: number[] = [];
    const names: string[] = [];
    for await (const page of paginateListNotebookInstances(
      { client },
      { SortBy: 'Name', SortOrder: 'Ascending' },
    )) {
      pages.push(page.NotebookInstances!.length);
      names.push(...page.NotebookInstances!.map((n) => n.NotebookInstanceName!));
    }

    // Assess
    expect(pages).toEqual([10, 10, 5]);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(25);
  });

  it('filters by StatusEquals and NameContains and sorts descending by default', async () => {
    // Prepare
    const { client } = await sandbox(many);

    // Act
    const stopped = await client.send(
      new ListNotebookInstancesCommand({ StatusEquals: 'Stopped', MaxResults: 100 }),
    );
    const named = await client.send(
      new ListNotebookInstancesCommand({ NameContains: 'nb-1', SortBy: 'Name' }),
    );

    // Assess
    expect(stopped.NotebookInstances!.map((n) => n.NotebookInstanceName)).toEqual([
      'nb-20',
      'nb-15',
      'nb-10',
      'nb-05',
      'nb-00',
    ]);
    expect(named.NotebookInstances!.map((n) => n.NotebookInstanceName)).toEqual(
      Array.from({ length: 10 }, (_, i) => `nb-1${9 - i}`),
    );
  });

  it('refuses MaxResults above 100', async () => {
    // Prepare
    const { client } = await sandbox(many);

    // Act
    const error = await client
      .send(new ListNotebookInstancesCommand({ MaxResults: 101 }))
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(/between 1 and 100/);
  });

  it('lists the tags of a notebook by ARN', async () => {
    // Prepare
    const { client } = await sandbox();

    // Act
    const tags = await client.send(
      new ListTagsCommand({ ResourceArn: `${ARN_PREFIX}:notebook-instance/nb-1` }),
    );

    // Assess
    expect(tags.Tags).toEqual([
      { Key: 'patch-group', Value: 'weekly' },
      { Key: 'owner', Value: 'alice' },
    ]);
  });

  it('lists and describes the lifecycle configs, and refuses an unknown one', async () => {
    // Prepare
    const { client } = await sandbox();

    // Act
    const list = await client.send(
      new ListNotebookInstanceLifecycleConfigsCommand({ SortBy: 'Name', SortOrder: 'Ascending' }),
    );
    const unknown = await client
      .send(
        new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: 'lc-x' }),
      )
      .catch((e: Error) => e);

    // Assess
    expect(list.NotebookInstanceLifecycleConfigs!.map((c) => c.NotebookInstanceLifecycleConfigName)).toEqual([
      'lc-v1',
      'lc-v2',
    ]);
    expect(unknown).toMatchObject({ name: 'ValidationException' });
  });

  it('snapshots the fleet as the sandbox contract shows it', async () => {
    // Prepare
    const { emulator } = await sandbox();

    // Act
    const snapshot = emulator.notebooks.snapshot();

    // Assess
    expect(snapshot[0]).toEqual({
      name: 'nb-1',
      status: 'InService',
      instanceType: 'ml.t3.medium',
      platformRelease: '2026.08',
      lifecycleConfigName: 'lc-v1',
      rootAccess: 'Enabled',
      volumeSizeInGB: 5,
      platformIdentifier: 'notebook-al2-v3',
      minimumInstanceMetadataServiceVersion: '1',
      stops: 0,
      starts: 0,
    });
    expect(snapshot.map((n) => n.name)).toEqual([
      'nb-1',
      'nb-stopped',
      'nb-failing',
      'nb-lc-v2',
      'nb-stuck',
      'Nb-Mixed',
    ]);
  });
});

describe('the model’s values and AWS’s refusals', () => {
  const stopped = (extra = '') => `
lifecycleConfigs: [lc-v1, lc-v2]
notebooks:
  - { name: nb-1, status: Stopped }
  - { name: nb-failed, status: Failed, lifecycleConfigName: lc-v1 }
  - { name: nb-running }
${extra}`;

  it.each(PLATFORM_IDENTIFIERS)('accepts the platform identifier %s from the model', async (platform) => {
    // Prepare
    const { client, advance, describe } = await sandbox(stopped());

    // Act
    await client.send(
      new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-1', PlatformIdentifier: platform }),
    );
    await advance(20);

    // Assess
    expect((await describe('nb-1')).PlatformIdentifier).toBe(platform);
  });

  it.each(['notebook-al2-v4', 'notebook-al3-v1', 'notebook-al2023-v2'])(
    'refuses the platform identifier %s, which the model’s closed set lacks',
    async (platform) => {
      // Prepare
      const { client, emulator } = await sandbox(stopped());

      // Act
      const error = await client
        .send(
          new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-1', PlatformIdentifier: platform }),
        )
        .catch((e: Error) => e);

      // Assess: botocore 1.43.67's PlatformIdentifier pattern, in the API front's constraint wording.
      expect(error).toMatchObject({
        name: 'ValidationException',
        message: `1 validation error detected: Value '${platform}' at 'platformIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (notebook-al1-v1|notebook-al2-v1|notebook-al2-v2|notebook-al2-v3|notebook-al2023-v1)`,
      });
      expect(emulator.notebooks.get('nb-1')).toMatchObject({
        status: 'Stopped',
        platformIdentifier: 'notebook-al2-v3',
      });
    },
  );

  it('refuses an instance type outside the model’s notebook InstanceType enum, listing the enum', async () => {
    // Prepare
    const { client } = await sandbox(stopped());
    const update = (type: string) =>
      client
        .send(
          new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-1', InstanceType: type as never }),
        )
        .catch((e: Error) => e);

    // Act
    const refused = await update('ml.t3.mega');
    const endpointOnly = await update('ml.c5.large');
    const accepted = await update('ml.g5.xlarge');

    // Assess: the SDK's _InstanceType is the model's enum (the same 189 values as botocore 1.43.67);
    // ml.c5.large is a ProductionVariantInstanceType (endpoints) but not a notebook instance type.
    expect(Object.values(SageMakerApi._InstanceType)).toHaveLength(189);
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value 'ml.t3.mega' at 'instanceType' failed to satisfy constraint: Member must satisfy enum value set: [${Object.values(SageMakerApi._InstanceType).join(', ')}]`,
    });
    expect(endpointOnly).toMatchObject({ name: 'ValidationException' });
    expect(accepted).not.toBeInstanceOf(Error);
  });

  it('checks the input against the model before the notebook’s status, and names every violation', async () => {
    // Prepare
    const { client } = await sandbox(stopped());

    // Act
    const error = await client
      .send(
        new UpdateNotebookInstanceCommand({
          NotebookInstanceName: 'nb-running',
          PlatformIdentifier: 'notebook-al9-v9',
          VolumeSizeInGB: 2,
        }),
      )
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(
      /^2 validation errors detected: Value 'notebook-al9-v9' at 'platformIdentifier' .*; Value '2' at 'volumeSizeInGB' failed to satisfy constraint: Member must have value between 5 and 16384$/,
    );
  });

  it('updates a Failed notebook when the fleet says AWS allows it, and clears its failure', async () => {
    // Prepare
    const { client, advance, describe } = await sandbox(stopped('sagemaker: { updateWhenFailed: allowed }'));

    // Act
    await client.send(
      new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-failed', LifecycleConfigName: 'lc-v2' }),
    );
    const updating = await describe('nb-failed');
    await advance(20);
    const updated = await describe('nb-failed');

    // Assess
    expect(updating.NotebookInstanceStatus).toBe('Updating');
    expect(updated).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      NotebookInstanceLifecycleConfigName: 'lc-v2',
    });
    expect(updated.FailureReason).toBeUndefined();
  });

  it('refuses to update a Failed notebook when the fleet says AWS refuses it, in the status-refusal words', async () => {
    // Prepare
    const { client, emulator } = await sandbox(stopped('sagemaker: { updateWhenFailed: refused }'));

    // Act
    const failed = await client
      .send(new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-failed', RootAccess: 'Disabled' }))
      .catch((e: Error) => e);
    const running = await client
      .send(new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'nb-running', RootAccess: 'Disabled' }))
      .catch((e: Error) => e);

    // Assess: AWS does not document this case (DESIGN.md); the refusal uses the words of the others.
    expect(failed).toMatchObject({
      name: 'ValidationException',
      message: `Status (Failed) not in ([Stopped]). Unable to transition to (Updating) for Notebook Instance (${ARN_PREFIX}:notebook-instance/nb-failed).`,
    });
    expect((running as Error).message).toMatch(/^Status \(InService\) not in \(\[Stopped\]\)\. /);
    expect(emulator.notebooks.get('nb-failed')).toMatchObject({ status: 'Failed', rootAccess: 'Enabled' });
  });

  it('fails a start for capacity before any lifecycle script, then for the lifecycle config', async () => {
    // Prepare
    const { client, advance, describe } = await sandbox(`
lifecycleConfigs: [lc-v2]
notebooks:
  - { name: nb-1, status: Stopped, lifecycleConfigName: lc-v2, behavior: { failStarts: 1, failStartsWithLifecycleConfig: lc-v2 } }
`);
    const start = async () => {
      await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));
      await advance(300);
      return (await describe('nb-1')).FailureReason;
    };

    // Act
    const first = await start();
    const second = await start();

    // Assess
    expect(first).toBe(CAPACITY_FAILURE);
    expect(second).toMatch(/lc-v2' for Notebook Instance .* took longer than 5 minutes/);
  });

  it('counts the Stop and Start calls that took effect, not the refused ones', async () => {
    // Prepare
    const { client, advance, emulator } = await sandbox(stopped());
    const stop = () =>
      client
        .send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-running' }))
        .catch(() => undefined);
    const start = () =>
      client
        .send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-running' }))
        .catch(() => undefined);

    // Act
    await stop();
    await stop();
    await start();
    await advance(90);
    await start();
    await advance(300);
    await stop();

    // Assess
    expect(emulator.notebooks.snapshot().find((n) => n.name === 'nb-running')).toMatchObject({
      status: 'Stopping',
      stops: 2,
      starts: 1,
    });
  });

  it('snapshots a Failed notebook with its FailureReason, and only while it is Failed', async () => {
    // Prepare
    const { client, advance, emulator } = await sandbox();
    const failing = () => emulator.notebooks.snapshot().find((n) => n.name === 'nb-failing');

    // Act
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-failing' }));
    await advance(300);
    const failed = failing();
    await client.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-failing' }));
    const pending = failing();

    // Assess
    expect(failed).toMatchObject({ status: 'Failed', failureReason: CAPACITY_FAILURE, starts: 1 });
    expect(pending).toMatchObject({ status: 'Pending', starts: 2 });
    expect(pending).not.toHaveProperty('failureReason');
  });
});

describe('a notebook deleted during the run (behavior.deleteAtSeconds)', () => {
  const FLEET_WITH_DELETION = `
notebooks:
  - { name: nb-1, tags: { team: a }, behavior: { deleteAtSeconds: 400, stopSeconds: 90 } }
  - { name: nb-2 }
`;

  it('goes Deleting at that second, cancelling what it was doing, then is gone from every call', async () => {
    // Prepare
    const { client, advance, describe, emulator, events } = await sandbox(FLEET_WITH_DELETION);
    const arn = `${ARN_PREFIX}:notebook-instance/nb-1`;
    await advance(350);
    await client.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }));

    // Act
    await advance(50);
    const deleting = await describe('nb-1');
    const stopRefused = await client
      .send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'nb-1' }))
      .catch((e: Error) => e);
    await advance(59);
    const stillDeleting = await describe('nb-1');
    await advance(1);
    const gone = await describe('nb-1').catch((e: Error) => e);
    const tags = await client.send(new ListTagsCommand({ ResourceArn: arn })).catch((e: Error) => e);
    const listed = await client.send(new ListNotebookInstancesCommand({}));

    // Assess
    expect(deleting.NotebookInstanceStatus).toBe('Deleting');
    expect(stopRefused).toMatchObject({
      message: `Status (Deleting) not in ([Stopped, Failed]). Unable to transition to (Pending) for Notebook Instance (${arn}).`,
    });
    expect(stillDeleting.NotebookInstanceStatus).toBe('Deleting');
    expect(gone).toMatchObject({ name: 'ValidationException', message: 'RecordNotFound' });
    expect(tags).toMatchObject({ name: 'ValidationException' });
    expect(listed.NotebookInstances!.map((n) => n.NotebookInstanceName)).toEqual(['nb-2']);
    // The stop due at 440 s never completes: the deletion cancelled it.
    expect(emulator.notebooks.history.filter((h) => h.name === 'nb-1')).toEqual([
      { name: 'nb-1', status: 'InService', at: START },
      { name: 'nb-1', status: 'Stopping', at: START + 350_000 },
      { name: 'nb-1', status: 'Deleting', at: START + 400_000 },
      { name: 'nb-1', status: 'Deleting', at: START + 460_000, gone: true },
    ]);
    const changes = events.filter((e) => e.detail.NotebookInstanceName === 'nb-1');
    expect(changes.map((e) => [e.time, e.detail.NotebookInstanceStatus])).toEqual([
      ['2026-11-23T02:05:50Z', 'Stopping'],
      ['2026-11-23T02:06:40Z', 'Deleting'],
    ]);
    expect(emulator.notebooks.snapshot().map((n) => n.name)).toEqual(['nb-2']);
    expect(emulator.notebooks.get('nb-1')).toBeUndefined();
  });
});

describe('list defaults from the model', () => {
  it('sorts by Name when the request names no SortBy, as the model documents, in Descending order', async () => {
    // Prepare: fleet order (creation order) differs from name order.
    const { client } = await sandbox(`
notebooks:
  - { name: nb-b }
  - { name: nb-c }
  - { name: nb-a }
`);

    // Act
    const listed = await client.send(new ListNotebookInstancesCommand({}));
    const ascending = await client.send(new ListNotebookInstancesCommand({ SortOrder: 'Ascending' }));
    const byCreation = await client.send(new ListNotebookInstancesCommand({ SortBy: 'CreationTime' }));

    // Assess: SortBy "The default is Name" (ListNotebookInstancesInput in botocore's model); SortOrder is
    // undocumented here and Descending where SageMaker's other List operations document it.
    const names = (out: { NotebookInstances?: Array<{ NotebookInstanceName?: string }> }) =>
      out.NotebookInstances!.map((n) => n.NotebookInstanceName);
    expect(names(listed)).toEqual(['nb-c', 'nb-b', 'nb-a']);
    expect(names(ascending)).toEqual(['nb-a', 'nb-b', 'nb-c']);
    expect(names(byCreation)).toEqual(['nb-a', 'nb-c', 'nb-b']);
  });

  it('pages tags with MaxResults of at least 50 and no upper bound, as ListTagsMaxResults says', async () => {
    // Prepare
    const { client } = await sandbox();
    const list = (MaxResults: number) =>
      client
        .send(new ListTagsCommand({ ResourceArn: `${ARN_PREFIX}:notebook-instance/nb-1`, MaxResults }))
        .catch((e: Error) => e);

    // Act
    const small = await list(49);
    const large = await list(1000);

    // Assess
    expect(small).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '49' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 50",
    });
    expect(large).toMatchObject({ Tags: [{ Key: 'patch-group' }, { Key: 'owner' }] });
  });
});
