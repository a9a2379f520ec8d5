import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { caretakerInProcess, caretaker as processOf } from '../support/cli.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = mkdtempSync(join(tmpdir(), 'caretaker-cli-'));

/**
 * The CLI in-process, from a scratch directory: nothing here needs a process of its own (exit codes, pipes
 * and signals are cli-process.test.ts's).
 */
const caretaker = (args: string[]) => caretakerInProcess(args, { cwd: dir });

const CONFIG = join(dir, 'caretaker.yml');
const FLEET = join(dir, 'fleet.yml');

beforeAll(() => {
  writeFileSync(
    CONFIG,
    `defaults:
  timezone: Europe/Berlin
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0' }
  - name: monthly
    targets: { names: [nb-2] }
    schedule: { cron: '0 2 1 * *', timezone: America/New_York }
`,
  );
  writeFileSync(
    FLEET,
    `start: 2026-11-23T02:00:00Z
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-2, status: InService, tags: { patch-group: weekly } }
`,
  );
});

describe('caretaker schedule preview', () => {
  it('lists each group’s windows in local and UTC time, as JSON', async () => {
    // Act
    const out = await caretaker([
      'schedule',
      'preview',
      '--from',
      '2026-11-23T00:00:00Z',
      '--days',
      '14',
      '--json',
    ]);

    // Assess
    expect(out.code).toBe(0);
    const preview = JSON.parse(out.stdout) as Json;
    expect(preview.groups.map((g: Json) => [g.name, g.expression])).toEqual([
      ['weekly', 'cron(0 3 ? * SUN *)'],
      ['monthly', 'cron(0 2 1 * ? *)'],
    ]);
    expect(preview.groups[0].windows).toEqual([
      {
        local: '2026-11-29 03:00 CET',
        utc: '2026-11-29T02:00:00.000Z',
        executionName: 'weekly-20261129T0200Z',
      },
      {
        local: '2026-12-06 03:00 CET',
        utc: '2026-12-06T02:00:00.000Z',
        executionName: 'weekly-20261206T0200Z',
      },
    ]);
    expect(preview.groups[1].windows).toEqual([
      {
        local: '2026-12-01 02:00 EST',
        utc: '2026-12-01T07:00:00.000Z',
        executionName: 'monthly-20261201T0700Z',
      },
    ]);
  });

  it('prints a readable table by default (60 days ahead)', async () => {
    // Act
    const out = await caretaker(['schedule', 'preview', '--from', '2026-11-23T00:00:00Z']);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('2026-11-29 03:00 CET  2026-11-29T02:00:00.000Z  weekly-20261129T0200Z');
    expect(out.stdout).toContain('2027-01-17 03:00 CET');
    expect(out.stdout).not.toContain('2027-01-24');
  });
});

describe('caretaker request patch', () => {
  it('prints a request that sandbox run accepts and carries out', async () => {
    // Prepare
    const printed = await caretaker([
      'request',
      'patch',
      '--names',
      'nb-1',
      '--settings',
      'rootAccess=Disabled',
      '--reason',
      'SEC-42',
      '--requested-by',
      'alice',
      '--print',
    ]);
    const eventFile = join(dir, 'request.json');
    writeFileSync(eventFile, printed.stdout);

    // Act
    const out = await caretaker(['sandbox', 'run', '--fleet', FLEET, '--event', eventFile, '--json']);

    // Assess
    expect(printed.code).toBe(0);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as Json;
    expect(result.executions).toHaveLength(1);
    expect(result.executions[0]).toMatchObject({
      status: 'SUCCEEDED',
      trigger: { source: 'caretaker.requests', detailType: 'Notebook Patch Requested' },
      output: { notebooks: [{ name: 'nb-1', outcome: 'patched' }] },
    });
    expect(result.fleet.notebooks.find((n: Json) => n.name === 'nb-1')).toMatchObject({
      status: 'InService',
      rootAccess: 'Disabled',
    });
  });

  describe('sending to an EventBridge endpoint', () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: Json }> = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) as Json });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] }));
      });
    });
    let url = '';
    beforeAll(async () => {
      // What the shell of a user with credentials would give the CLI's credential chain.
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
      vi.stubEnv('AWS_REGION', 'us-east-1');
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('puts the request on the caretaker bus with the real client', async () => {
      // Act
      const out = await caretaker([
        'request',
        'patch',
        '--tags',
        'patch-group=weekly',
        '--reason',
        'CVE-2026-1234',
        '--requested-by',
        'alice',
        '--max-concurrency',
        '2',
        '--dry-run',
        '--endpoint-url',
        url,
      ]);

      // Assess
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('event id evt-1');
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
      const [entry] = received[0]!.body.Entries as Json[];
      expect(entry).toMatchObject({
        EventBusName: 'caretaker',
        Source: 'caretaker.requests',
        DetailType: 'Notebook Patch Requested',
      });
      expect(JSON.parse(entry!.Detail as string)).toEqual({
        requestedBy: 'alice',
        reason: 'CVE-2026-1234',
        targets: { tags: { 'patch-group': 'weekly' } },
        policy: { maxConcurrency: 2, dryRun: true },
      });
    });
  });
});

describe('caretaker sandbox run with schedules', () => {
  it("fires a group's window from caretaker.yml as <group>-<time>", async () => {
    // Act
    const out = await caretaker([
      'sandbox',
      'run',
      '--fleet',
      FLEET,
      '--config',
      CONFIG,
      '--schedule',
      'weekly@2026-11-29T02:00:00Z',
      '--json',
    ]);

    // Assess
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as Json;
    expect(result.executions.map((e: Json) => [e.name, e.status])).toEqual([
      ['weekly-20261129T0200Z', 'SUCCEEDED'],
    ]);
  });

  it('runs the audit with --audit@TIME and reports nothing overdue on a fleet that just started', async () => {
    // Act
    const out = await caretaker([
      'sandbox',
      'run',
      '--fleet',
      FLEET,
      '--config',
      CONFIG,
      '--audit@2026-11-24T06:00:00Z',
      '--json',
    ]);

    // Assess
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as Json;
    expect(result.executions).toEqual([]);
    expect(result.events.filter((e: Json) => e['detail-type'] === 'Notebook Patch Overdue')).toEqual([]);
  });
});

describe('caretaker sandbox run holds requests to the limits of its caretaker.yml', () => {
  const ROOTY = join(dir, 'rooty.yml');
  const REQUEST = join(dir, 'root-on.json');

  beforeAll(() => {
    // A deployment that lets requests turn root access on (the defaults never do).
    writeFileSync(
      ROOTY,
      `defaults: { timezone: UTC }
patchGroups:
  - { name: weekly, targets: { tags: { patch-group: weekly } }, schedule: { cron: '0 3 * * 0' } }
requests:
  settings: { rootAccess: [Enabled, Disabled] }
`,
    );
  });

  it('refuses with the limit named under the default limits, and lets the same request through under --config', async () => {
    // Prepare
    const printed = await caretaker([
      'request',
      'patch',
      '--names',
      'nb-2',
      '--reason',
      'SEC-42',
      '--settings',
      'rootAccess=Enabled',
      '--requested-by',
      'alice',
      '--print',
    ]);
    writeFileSync(REQUEST, printed.stdout);
    const args = (config: string) => [
      'sandbox',
      'run',
      '--fleet',
      FLEET,
      '--event',
      REQUEST,
      '--config',
      config,
      '--json',
    ];

    // Act: the triggers read their settings once per process, as in a Lambda container, so the second
    // configuration gets a process of its own.
    const [defaults, rooty] = await Promise.all([
      caretaker(args(CONFIG)),
      processOf(args(ROOTY), { cwd: dir }),
    ]);

    // Assess
    expect(printed.code).toBe(0);
    const refused = JSON.parse(defaults.stdout) as Json;
    expect(refused.executions).toEqual([]);
    expect(refused.rejectedEvents).toEqual([
      {
        index: 0,
        errors: [
          {
            field: 'detail.settings.rootAccess',
            message: 'got "Enabled", but caretaker.yml requests.settings.rootAccess allows only ["Disabled"]',
          },
        ],
      },
    ]);
    const allowed = JSON.parse(rooty.stdout) as Json;
    expect(allowed.executions.map((e: Json) => e.status)).toEqual(['SUCCEEDED']);
    expect(allowed.fleet.notebooks.find((n: Json) => n.name === 'nb-2')).toMatchObject({
      rootAccess: 'Enabled',
    });
  });

  it('exits 2 naming the file and the field when --config is not a valid caretaker.yml', async () => {
    // Prepare
    const bad = join(dir, 'bad-requesters.yml');
    writeFileSync(
      bad,
      `patchGroups:
  - { name: weekly, targets: { names: [nb-1] }, schedule: { cron: '0 3 * * 0', timezone: UTC } }
requesters: ['*']
`,
    );

    // Act
    const out = await caretaker(['sandbox', 'run', '--fleet', FLEET, '--config', bad, '--json']);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/bad-requesters\.yml:\s+requesters\[0\]: expected an IAM role or user ARN/);
  });
});

describe('bad flags exit 2 and name the flag', () => {
  it.each([
    [
      ['request', 'patch', '--names', 'nb-1', '--reason', 'r', '--max-errors', 'lots', '--print'],
      /--max-errors/,
    ],
    [['request', 'patch', '--names', 'nb-1', '--print'], /--reason: got nothing, expected why/],
    [
      ['request', 'patch', '--names', 'nb-1', '--reason', 'r', '--settings', 'rootAccess', '--print'],
      /--settings: got "rootAccess", expected KEY=VALUE/,
    ],
    [['request', 'patch', '--bogus'], /unknown option '--bogus'/],
    [
      [
        'request',
        'endpoint-update',
        '--endpoint',
        'ep-1',
        '--config',
        'cfg-v2',
        '--strategy',
        'blue',
        '--print',
      ],
      /--strategy: got "blue", expected one of all-at-once, canary, linear, rolling/,
    ],
    [['schedule', 'preview', '--days', 'zero'], /--days: got "zero", expected a whole number/],
    [['schedule', 'preview', '--config', 'missing.yml'], /missing\.yml/],
    [
      ['sandbox', 'run', '--fleet', FLEET, '--config', CONFIG, '--schedule', 'nightly'],
      /--schedule: got group "nightly", expected one of weekly, monthly/,
    ],
  ])('caretaker %j', async (args, message) => {
    // Act
    const out = await caretaker(args);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('prints an endpoint update request that names the canary size as a share of capacity', async () => {
    // Act
    const out = await caretaker([
      'request',
      'endpoint-update',
      '--endpoint',
      'ep-1',
      '--config',
      'cfg-v2',
      '--strategy',
      'canary',
      '--canary-size',
      '25%',
      '--alarms',
      'caretaker-ep-1-5xx',
      '--bake-seconds',
      '600',
      '--print',
    ]);

    // Assess
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      source: 'caretaker.requests',
      'detail-type': 'Endpoint Update Requested',
      detail: {
        endpointName: 'ep-1',
        targetEndpointConfigName: 'cfg-v2',
        deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
        alarms: ['caretaker-ep-1-5xx'],
        bakeSeconds: 600,
      },
    });
  });
});
