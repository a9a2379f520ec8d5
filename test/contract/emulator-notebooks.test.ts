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
    expect(described.FailureReason).toContain('took longer than 5 minutes');
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

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Status (Stopping) not in ([InService])',
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

  it('fails the next failStarts starts with the lifecycle timeout, then starts normally', async () => {
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

    // Assess
    expect(failed.NotebookInstanceStatus).toBe('Failed');
    expect(failed.FailureReason).toBe(
      `Notebook Instance Lifecycle Config '${ARN_PREFIX}:notebook-instance-lifecycle-config/lc-v1' for Notebook Instance '${ARN_PREFIX}:notebook-instance/nb-failing' took longer than 5 minutes. Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.`,
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
    expect(failed.NotebookInstanceStatus).toBe('Failed');
    expect(failed.FailureReason).toContain('notebook-instance-lifecycle-config/lc-v2');
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

    // Assess
    expect(update).toMatchObject({
      name: 'ValidationException',
      message: 'Status (InService) not in ([Stopped, Failed])',
    });
    expect(start).toMatchObject({
      name: 'ValidationException',
      message: 'Status (InService) not in ([Stopped, Failed])',
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
