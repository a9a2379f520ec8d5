import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { loadFleet, parseFleet } from '../../../sandbox/fleet.ts';

const issuesOf = (yaml: string) => {
  try {
    parseFleet(yaml, 'bad-fleet.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected the fleet to be refused');
};

describe('the fleet file', () => {
  it('fills every default from a notebook that has only a name', () => {
    // Prepare
    const yaml = 'notebooks:\n  - name: nb-1\n';

    // Act
    const fleet = parseFleet(yaml, 'fleet.yml');

    // Assess
    const start = Date.parse('2026-11-23T02:00:00Z');
    expect(fleet).toMatchObject({
      start,
      platformRelease: '2026.11',
      account: '123456789012',
      region: 'us-east-1',
      lifecycleConfigs: [],
      endpointConfigs: [],
      endpoints: [],
      alarms: [],
      quotas: {},
      sagemaker: { updateWhenFailed: 'allowed' },
      faults: {
        throttle: {},
        serverErrors: {},
        lostResponses: {},
        seed: 0,
        dynamodb: { throttle: {}, serverErrors: {} },
        eventbridge: { throttle: {}, serverErrors: {} },
        lambda: {},
      },
    });
    expect(fleet.notebooks[0]).toEqual({
      name: 'nb-1',
      status: 'InService',
      instanceType: 'ml.t3.medium',
      platformRelease: '2026.08',
      rootAccess: 'Enabled',
      volumeSizeInGB: 5,
      platformIdentifier: 'notebook-al2-v3',
      minimumInstanceMetadataServiceVersion: '1',
      directInternetAccess: 'Enabled',
      lastStartedAt: start - 86_400_000,
      tags: {},
      behavior: {
        stopSeconds: 90,
        startSeconds: 300,
        updateSeconds: 20,
        failStarts: 0,
        stuckStopping: false,
      },
    });
  });

  it('reads the design document’s example, with every lifecycle config a notebook uses', () => {
    // Prepare
    const yaml = `
start: 2026-11-23T02:00:00Z
platformRelease: "2026.11"
notebooks:
  - name: nb-1
    status: InService
    lifecycleConfigName: lc-v1
    lastStartedAt: 2026-10-01T00:00:00Z
    minimumInstanceMetadataServiceVersion: 2
    tags: { patch-group: weekly }
    behavior: { failStarts: 1, failStartsWithLifecycleConfig: lc-v2, stuckStopping: true }
lifecycleConfigs: [lc-v2]
endpointConfigs:
  - name: cfg-v1
    variants: [{ name: AllTraffic, instanceType: ml.m5.large, instanceCount: 2 }]
    behavior: { alarmsWhileServing: [ep-1-5xx] }
endpoints:
  - { name: ep-1, endpointConfigName: cfg-v1 }
alarms:
  - name: ep-1-5xx
    flips: [{ atSeconds: 1200, state: ALARM }]
quotas: { ml.m5.large: 4 }
faults:
  throttle: { DescribeNotebookInstance: 0.3 }
  serverErrors: { StartNotebookInstance: 0.1 }
`;

    // Act
    const fleet = parseFleet(yaml, 'fleet.yml');

    // Assess
    expect(fleet.lifecycleConfigs).toEqual(['lc-v2', 'lc-v1']);
    expect(fleet.notebooks[0]).toMatchObject({
      lastStartedAt: Date.parse('2026-10-01T00:00:00Z'),
      minimumInstanceMetadataServiceVersion: '2',
      behavior: {
        failStarts: 1,
        failStartsWithLifecycleConfig: 'lc-v2',
        stuckStopping: true,
        stopSeconds: 90,
      },
    });
    expect(fleet.endpoints[0]).toEqual({
      name: 'ep-1',
      endpointConfigName: 'cfg-v1',
      status: 'InService',
      invocationsPerMinute: 60,
      autoRollbackWithDeletedConfig: 'restores',
    });
    expect(fleet.alarms[0]).toEqual({
      name: 'ep-1-5xx',
      state: 'OK',
      flips: [{ atSeconds: 1200, state: 'ALARM' }],
      treatMissingData: 'missing',
    });
    expect(fleet.faults).toMatchObject({
      throttle: { DescribeNotebookInstance: 0.3 },
      serverErrors: { StartNotebookInstance: 0.1 },
      seed: 0,
    });
  });

  it('names the file, the field path, the value and what was expected', () => {
    // Prepare
    const yaml = `notebooks:
  - name: nb-1
  - name: nb-2
  - name: nb-3
    behavior: { stopSeconds: soon }
`;

    // Act
    const issues = issuesOf(yaml);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]!.field).toBe('notebooks[2].behavior.stopSeconds');
    expect(issues[0]!.message).toMatch(/bad-fleet\.yml/);
    expect(issues[0]!.message).toMatch(/"soon"/);
    expect(issues[0]!.message).toMatch(/expected number/);
  });

  it('refuses unknown keys so that a typo is caught', () => {
    // Prepare
    const yaml = 'notebooks:\n  - name: nb-1\n    behaviour: { stopSeconds: 10 }\nfualts: {}\n';

    // Act
    const issues = issuesOf(yaml);

    // Assess
    expect(issues.map((i) => i.field).sort()).toEqual(['fualts', 'notebooks[0].behaviour']);
    expect(issues[0]!.message).toMatch(/unknown field/);
  });

  it.each([
    [
      'a status outside the enum',
      'notebooks:\n  - { name: nb-1, status: Running }\n',
      'notebooks[0].status',
      /InService/,
    ],
    ['a missing name', 'notebooks:\n  - { status: Stopped }\n', 'notebooks[0].name', /expected string/],
    ['a bad start time', 'start: next monday\n', 'start', /ISO 8601/],
    [
      'a fault share above 1',
      'faults:\n  throttle: { ListTags: 1.5 }\n',
      'faults.throttle.ListTags',
      /0 to 1/,
    ],
    [
      'a fault on an operation SageMaker does not have',
      'faults:\n  serverErrors: { DescribeNotebook: 0.1 }\n',
      'faults.serverErrors.DescribeNotebook',
      /SageMaker or CloudWatch API operation/,
    ],
    [
      'a lost response on an operation neither SageMaker nor CloudWatch has',
      'faults:\n  lostResponses: { StopNotebook: 0.2 }\n',
      'faults.lostResponses.StopNotebook',
      /SageMaker or CloudWatch API operation/,
    ],
    [
      'a DynamoDB fault on an operation DynamoDB does not have',
      'faults:\n  dynamodb: { throttle: { UpdateItems: 0.5 } }\n',
      'faults.dynamodb.throttle.UpdateItems',
      /DynamoDB API operation/,
    ],
    [
      'an EventBridge fault on an operation EventBridge does not have',
      'faults:\n  eventbridge: { serverErrors: { PutEvent: 0.2 } }\n',
      'faults.eventbridge.serverErrors.PutEvent',
      /EventBridge API operation/,
    ],
    [
      'a Lambda fault on a function that does not exist, naming the known ones',
      'faults:\n  lambda:\n    notebook/stopp: { error: timeout, when: after-call }\n',
      'faults.lambda.notebook/stopp',
      /endpoint\/start-update, .*notebook\/stop,/,
    ],
    [
      'a Lambda fault at an unknown moment',
      'faults:\n  lambda:\n    notebook/stop: { error: timeout, when: during-call }\n',
      'faults.lambda.notebook/stop.when',
      /before-call or after-call/,
    ],
    [
      'a Lambda fault with both times and rate',
      'faults:\n  lambda:\n    notebook/stop: { error: timeout, when: after-call, times: 2, rate: 0.5 }\n',
      'faults.lambda.notebook/stop.rate',
      /times or rate, not both/,
    ],
    [
      'an undocumented answer to an update of a Failed notebook',
      'sagemaker:\n  updateWhenFailed: sometimes\n',
      'sagemaker.updateWhenFailed',
      /allowed or refused/,
    ],
    [
      'a negative deletion time',
      'notebooks:\n  - { name: nb-1, behavior: { deleteAtSeconds: -5 } }\n',
      'notebooks[0].behavior.deleteAtSeconds',
      /seconds ≥ 0/,
    ],
    [
      'an endpoint naming an unknown config',
      'endpoints:\n  - { name: ep-1, endpointConfigName: cfg-nope }\n',
      'endpoints[0].endpointConfigName',
      /cfg-nope/,
    ],
    [
      'an endpoint with a negative request rate',
      'endpointConfigs: [{ name: c }]\nendpoints:\n  - { name: ep-1, endpointConfigName: c, invocationsPerMinute: -1 }\n',
      'endpoints[0].invocationsPerMinute',
      /got -1; expected requests per minute ≥ 0 \(0: no traffic\)/,
    ],
    [
      'an undocumented answer to an auto-rollback onto a deleted config',
      'endpointConfigs: [{ name: c }]\nendpoints:\n  - { name: ep-1, endpointConfigName: c, autoRollbackWithDeletedConfig: maybe }\n',
      'endpoints[0].autoRollbackWithDeletedConfig',
      /got "maybe"; expected restores or fails/,
    ],
    [
      'an endpoint instance type the API does not have',
      'endpointConfigs:\n  - { name: c, variants: [{ instanceType: ml.m5.huge }] }\n',
      'endpointConfigs[0].variants[0].instanceType',
      /got "ml.m5.huge"; expected an endpoint instance type of the SageMaker API/,
    ],
    [
      'an alarm that treats missing data in a way CloudWatch does not know',
      'alarms:\n  - { name: a, treatMissingData: notbreaching }\n',
      'alarms[0].treatMissingData',
      /got "notbreaching"; expected one of missing, ignore, breaching, notBreaching/,
    ],
    [
      'a duplicate notebook name',
      'notebooks:\n  - name: nb-1\n  - name: nb-1\n',
      'notebooks[1].name',
      /unique notebook name/,
    ],
    [
      'a lifecycle-config failure on a config that does not exist',
      'notebooks:\n  - { name: nb-1, behavior: { failStartsWithLifecycleConfig: lc-x } }\n',
      'notebooks[0].behavior.failStartsWithLifecycleConfig',
      /lc-x/,
    ],
    [
      'an alarm while serving that no alarm defines',
      'endpointConfigs:\n  - { name: cfg-v1, behavior: { alarmsWhileServing: [ghost] } }\n',
      'endpointConfigs[0].behavior.alarmsWhileServing[0]',
      /ghost/,
    ],
    ['YAML that does not parse', 'notebooks: [\n', '(file)', /not valid YAML/],
  ])('refuses %s', (_what, yaml, field, message) => {
    // Prepare: the fleet text above.

    // Act
    const issues = issuesOf(yaml);

    // Assess
    const issue = issues.find((i) => i.field === field);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect(issue!.message).toMatch(/bad-fleet\.yml/);
  });

  it('reads every fault knob and AWS behaviour of the design document', () => {
    // Prepare
    const yaml = `
notebooks:
  - name: nb-1
    behavior: { failStarts: 2, deleteAtSeconds: 400 }
sagemaker:
  updateWhenFailed: refused
faults:
  seed: 7
  throttle: { DescribeAlarms: 0.1 }
  lostResponses: { StopNotebookInstance: 0.2 }
  dynamodb: { throttle: { UpdateItem: 0.5 }, serverErrors: { GetItem: 0.1 } }
  eventbridge: { serverErrors: { PutEvents: 0.2 } }
  lambda:
    notebook/stop: { error: Lambda.ServiceException, when: after-call, times: 1 }
    endpoint/start-update: { error: timeout, when: after-call, times: 1 }
    notebook/check: { error: Lambda.Unknown, when: before-call, rate: 0.25 }
`;

    // Act
    const fleet = parseFleet(yaml, 'fleet.yml');

    // Assess
    expect(fleet.notebooks[0]!.behavior).toMatchObject({ failStarts: 2, deleteAtSeconds: 400 });
    expect(fleet.sagemaker).toEqual({ updateWhenFailed: 'refused' });
    expect(fleet.faults).toEqual({
      seed: 7,
      throttle: { DescribeAlarms: 0.1 },
      serverErrors: {},
      lostResponses: { StopNotebookInstance: 0.2 },
      dynamodb: { throttle: { UpdateItem: 0.5 }, serverErrors: { GetItem: 0.1 } },
      eventbridge: { throttle: {}, serverErrors: { PutEvents: 0.2 } },
      lambda: {
        'notebook/stop': { error: 'Lambda.ServiceException', when: 'after-call', times: 1 },
        'endpoint/start-update': { error: 'timeout', when: 'after-call', times: 1 },
        'notebook/check': { error: 'Lambda.Unknown', when: 'before-call', rate: 0.25 },
      },
    });
  });

  it('loads a fleet file from disk and names the path in its errors', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'fleet-'));
    const good = path.join(dir, 'good.yml');
    const bad = path.join(dir, 'bad.yml');
    await writeFile(good, 'notebooks:\n  - name: nb-1\n');
    await writeFile(bad, 'notebooks:\n  - name: nb-1\n    rootAccess: Maybe\n');

    // Act
    const fleet = await loadFleet(good);
    const error = await loadFleet(bad).catch((e: Error) => e);

    // Assess
    expect(fleet.notebooks.map((n) => n.name)).toEqual(['nb-1']);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(bad);
    expect((error as Error).message).toContain('notebooks[0].rootAccess');
  });
});
