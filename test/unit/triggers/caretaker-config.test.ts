import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '#lib/triggers/caretaker-config';
import { caught } from '../../support/errors.ts';

const minimal = (group: string) => `
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
${group}`;

describe('caretaker.yml', () => {
  it('loads the example with both groups resolved against the defaults', () => {
    // Prepare
    const path = join(import.meta.dirname, '../../../caretaker.yml');

    // Act
    const config = loadConfig(path);

    // Assess
    const [weekly, research] = config.patchGroups;
    expect(config.patchGroups).toHaveLength(2);
    expect(weekly).toMatchObject({
      name: 'weekly',
      schedule: {
        cron: '0 3 * * 0',
        timezone: 'Europe/Berlin',
        flexibleWindowMinutes: 15,
        expression: 'cron(0 3 ? * SUN *)',
      },
      policy: { maxConcurrency: 5, maxErrors: 2, exemptTag: 'caretaker:exempt', includeStopped: true },
      maxDaysWithoutRestart: 14,
      auditStartsPatch: true,
    });
    expect(weekly?.targetPlatform).toBeUndefined();
    expect(research).toMatchObject({
      schedule: { timezone: 'America/New_York', expression: 'cron(0 2 1 * ? *)' },
      policy: { maxConcurrency: 10, maxErrors: '10%' },
      settings: { rootAccess: 'Disabled', minimumInstanceMetadataServiceVersion: '2' },
      targetPlatform: 'notebook-al2023-v1',
    });
  });
});

describe('parseConfig', () => {
  it("fills what the file leaves out with caretaker's own defaults", () => {
    // Prepare
    const text = minimal(`    schedule: { cron: "0 3 * * 0", timezone: UTC }`);

    // Act
    const [group] = parseConfig(text, 'mini.yml').patchGroups;

    // Assess
    expect(group).toMatchObject({
      schedule: { flexibleWindowMinutes: 0 },
      policy: { maxConcurrency: 10, maxErrors: '10%', exemptTag: 'caretaker:exempt', includeStopped: true },
      settings: {},
      maxDaysWithoutRestart: 30,
      auditStartsPatch: false,
    });
  });

  it('names the file, the field, the value and the expectation for a bad time zone', () => {
    // Prepare
    const text = minimal(`    schedule: { cron: "0 3 * * 0", timezone: Europe/Berlinn }`);

    // Act
    const error = caught(() => parseConfig(text, 'caretaker.yml'));

    // Assess
    expect(error.issues).toEqual([
      {
        field: 'patchGroups[0].schedule.timezone',
        message:
          'expected an IANA time zone such as Europe/Berlin or America/New_York (got "Europe/Berlinn")',
      },
    ]);
    expect(error.message).toMatch(/^caretaker\.yml: patchGroups\[0\]\.schedule\.timezone: /);
    expect(error.resource).toBe('caretaker.yml');
  });

  it('refuses a cron EventBridge Scheduler cannot express, and unknown fields', () => {
    // Prepare
    const text = minimal(`    schedule: { cron: "0 3 1 * 0", timezone: UTC }
    maxConcurency: 3`);

    // Act
    const error = caught(() => parseConfig(text, 'caretaker.yml'));

    // Assess
    expect(error.issues.map((i) => i.field).sort()).toEqual([
      'patchGroups[0]',
      'patchGroups[0].schedule.cron',
    ]);
    expect(error.message).toMatch(/day-of-month or day-of-week/);
    expect(error.message).toMatch(/maxConcurency/);
  });

  it('refuses a cron with the wrong number of fields', () => {
    // Prepare
    const text = minimal(`    schedule: { cron: "0 0 3 * * 0", timezone: UTC }`);

    // Act
    const error = caught(() => parseConfig(text, 'caretaker.yml'));

    // Assess
    expect(error.issues[0]?.field).toBe('patchGroups[0].schedule.cron');
    expect(error.issues[0]?.message).toMatch(/expected 5 fields/);
  });

  it('asks for a time zone when neither the group nor the defaults give one', () => {
    // Prepare
    const text = minimal(`    schedule: { cron: "0 3 * * 0" }`);

    // Act
    const error = caught(() => parseConfig(text, 'caretaker.yml'));

    // Assess
    expect(error.issues).toEqual([
      {
        field: 'patchGroups[0].schedule.timezone',
        message: 'got nothing, expected an IANA time zone (here or in defaults.timezone)',
      },
    ]);
  });

  it('refuses two groups with the same name', () => {
    // Prepare
    const text = `
defaults: { timezone: UTC }
patchGroups:
  - { name: weekly, targets: { names: [nb-1] }, schedule: { cron: "0 3 * * 0" } }
  - { name: weekly, targets: { names: [nb-2] }, schedule: { cron: "0 4 * * 0" } }
`;

    // Act
    const error = caught(() => parseConfig(text, 'caretaker.yml'));

    // Assess
    expect(error.issues).toEqual([
      { field: 'patchGroups[1].name', message: 'got "weekly", expected a name no other group uses' },
    ]);
  });

  it('names the line of a YAML syntax error', () => {
    // Prepare
    const text = 'patchGroups:\n  - name: weekly\n   targets: [';

    // Act
    const error = caught(() => parseConfig(text, 'broken.yml'));

    // Assess
    expect(error.message).toMatch(/^broken\.yml: line \d+, column \d+: .*expected valid YAML/);
  });

  it('names a file that cannot be read', () => {
    // Prepare
    const path = join(import.meta.dirname, 'no-such-caretaker.yml');

    // Act
    const error = caught(() => loadConfig(path));

    // Assess
    expect(error.message).toContain('no-such-caretaker.yml: (file): cannot be read');
  });
});

describe('who may request, and what (requesters, requests, exemptions)', () => {
  it('names nobody, holds requests to the safe defaults and never lets an exemption cover root access, when the file says nothing', () => {
    // Act
    const config = parseConfig(minimal(`    schedule: { cron: "0 3 * * 0", timezone: UTC }`), 'mini.yml');

    // Assess
    expect(config.requesters).toEqual([]);
    expect(config.requests).toEqual({
      settings: {
        rootAccess: ['Disabled'],
        minimumInstanceMetadataServiceVersion: ['2'],
        lifecycleConfigName: [],
        disassociateLifecycleConfig: [true],
      },
      maxConcurrency: 50,
      maxErrors: '25%',
      endpoints: { strategies: ['all-at-once', 'canary', 'linear', 'rolling'] },
    });
    expect(config.exemptTag).toBe('caretaker:exempt');
    expect(config.neverCovered).toEqual(['SageMaker.3']);
  });

  it('accepts role and user ARNs, with paths and a trailing * for name suffixes', () => {
    // Prepare
    const requesters = [
      'arn:aws:iam::111122223333:role/SecurityTeam',
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*',
      'arn:aws-us-gov:iam::111122223333:role/Ops',
    ];

    // Act
    const config = parseConfig(
      minimal(
        `    schedule: { cron: "0 3 * * 0", timezone: UTC }\nrequesters: ${JSON.stringify(requesters)}`,
      ),
      'mini.yml',
    );

    // Assess
    expect(config.requesters).toEqual(requesters);
  });

  it.each([
    ['anyone', '*'],
    ['every role of an account', 'arn:aws:iam::111122223333:role/*'],
    ['an account', 'arn:aws:iam::111122223333:root'],
    ['a short account id', 'arn:aws:iam::1111:role/SecurityTeam'],
    ['an assumed-role session', 'arn:aws:sts::111122223333:assumed-role/SecurityTeam/alice'],
  ])('refuses %s as a requester, naming the field and what it expected', (_, arn) => {
    // Act
    const error = caught(() =>
      parseConfig(
        minimal(`    schedule: { cron: "0 3 * * 0", timezone: UTC }\nrequesters: ["${arn}"]`),
        'caretaker.yml',
      ),
    );

    // Assess
    expect(error.issues).toEqual([
      {
        field: 'requesters[0]',
        message: expect.stringMatching(
          new RegExp(`^expected an IAM role or user ARN .*\\(got "${arn.replace(/[*]/g, '\\*')}"\\)$`),
        ),
      },
    ]);
  });

  it('takes the exempt tag from defaults.policy and the controls from exemptions.neverCover', () => {
    // Act
    const config = parseConfig(
      `
defaults: { policy: { exemptTag: 'acme:hands-off' } }
${minimal(`    schedule: { cron: "0 3 * * 0", timezone: UTC }`)}
exemptions: { neverCover: [SageMaker.3, SageMaker.8] }
`,
      'mini.yml',
    );

    // Assess
    expect(config.exemptTag).toBe('acme:hands-off');
    expect(config.neverCovered).toEqual(['SageMaker.3', 'SageMaker.8']);
  });

  it("reads the example's requests section: nobody named, the approved lifecycle configurations", () => {
    // Act
    const config = loadConfig(join(import.meta.dirname, '../../../caretaker.yml'));

    // Assess
    expect(config.requesters).toEqual([]);
    expect(config.requests.settings.lifecycleConfigName).toEqual(['lc-v1', 'lc-v2', 'lc-v3']);
    expect(config.requests.settings.rootAccess).toEqual(['Disabled']);
  });
});
