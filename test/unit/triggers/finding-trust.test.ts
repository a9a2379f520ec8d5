import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { parseConfigEvent, parseFindingEvent, type NotebookContext } from '#lib/triggers/findings';
import { homeOf } from '#lib/triggers/home';
import {
  readTriggerSettings,
  TRIGGER_SETTINGS_VARIABLE,
  triggerEnvironment,
  triggerSettings,
} from '#lib/triggers/settings';
import { ValidationError } from '#lib/errors';
import { parsePatchRequest } from '#lib/notebook/request';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sample = (file: string): Json =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../events/samples', file), 'utf8')) as Json;

const home = homeOf({ invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:caretaker-dev-f' });
const NOW = Date.parse('2026-11-23T02:00:00Z');

const config = parseConfig(
  `
defaults: { timezone: UTC }
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0' }
  - name: research
    targets: { tags: { patch-group: research } }
    schedule: { cron: '0 2 1 * *' }
    targetPlatform: notebook-al2023-v1
  - name: pinned
    targets: { tags: { pinned: 'yes' } }
    schedule: { cron: '0 2 1 * *' }
  - name: named
    targets: { names: [nb-9] }
    schedule: { cron: '0 2 1 * *' }
    targetPlatform: notebook-al2-v3
`,
  'caretaker.yml',
);

/** What the trigger knows when nb-1 carries these tags. */
const context = (tags: Record<string, string>): NotebookContext => ({
  settings: triggerSettings(config),
  tags: new Map([['nb-1', tags]]),
  now: NOW,
});

/** The consolidated SageMaker.3 sample with SageMaker.8 about the same notebook beside it. */
function rootAndPlatform(): Json {
  const event = sample('securityhub-sagemaker3-consolidated.json');
  event.detail.findings.push(sample('securityhub-sagemaker8-consolidated.json').detail.findings[0]);
  return event;
}

describe('findings from elsewhere', () => {
  it.each([
    ['another account', { AwsAccountId: '999999999999' }, /account "999999999999"/],
    ['another region', { Region: 'eu-west-1' }, /region "eu-west-1"/],
  ])('ignores a finding about %s with the reason, and asks for nothing', (_, change, reason) => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    Object.assign(event.detail.findings[0], change);

    // Act
    const plan = parseFindingEvent(event, { home });

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored).toEqual([
      {
        findingId: event.detail.findings[0].Id,
        reason: expect.stringMatching(reason),
      },
    ]);
    expect(plan.ignored[0]?.reason).toMatch(
      /this deployment acts only on account "123456789012" in region "us-east-1"$/,
    );
  });

  it.each([
    [
      'an imported product of the account',
      'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    ],
    [
      "Security Hub's own product in another region",
      'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
    ],
    ['no product at all', undefined],
  ])(
    'ignores a failed-control finding from %s, which anyone allowed BatchImportFindings could forge',
    (_, arn) => {
      // Prepare
      const event = sample('securityhub-sagemaker3-consolidated.json');
      event.detail.findings[0].ProductArn = arn;

      // Act
      const plan = parseFindingEvent(event, { home });

      // Assess
      expect(plan.requests).toEqual([]);
      expect(plan.ignored).toEqual([
        {
          findingId: event.detail.findings[0].Id,
          reason: `the finding's ProductArn is ${arn === undefined ? 'nothing' : `"${arn}"`}; caretaker acts only on Security Hub's own controls (arn:aws:securityhub:us-east-1::product/aws/securityhub)`,
        },
      ]);
    },
  );

  it("ignores a finding whose notebook ARN is another account's, though the finding claims to be ours", () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    event.detail.findings[0].Resources[0].Id =
      'arn:aws:sagemaker:us-east-1:999999999999:notebook-instance/nb-1';

    // Act
    const plan = parseFindingEvent(event, { home });

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored[0]?.reason).toMatch(
      /^resource arn:aws:sagemaker:us-east-1:999999999999:notebook-instance\/nb-1 is about account "999999999999"/,
    );
  });

  it('ignores a Config evaluation of another account or of a notebook ARN elsewhere', () => {
    // Prepare
    const foreign = sample('config-root-access-noncompliant.json');
    foreign.detail.awsAccountId = '999999999999';
    const elsewhere = sample('config-root-access-noncompliant.json');
    elsewhere.detail.resourceId = 'arn:aws:sagemaker:ap-south-1:123456789012:notebook-instance/nb-1';

    // Act
    const plans = [foreign, elsewhere].map((e) => parseConfigEvent(e, { home }));

    // Assess
    expect(plans.map((p) => p.requests)).toEqual([[], []]);
    expect(plans[0]?.ignored[0]?.reason).toMatch(/^the evaluation is about account "999999999999"/);
    expect(plans[1]?.ignored[0]?.reason).toMatch(/is about region "ap-south-1"/);
  });

  it("acts on the deployment's own findings as before", () => {
    expect(
      parseFindingEvent(sample('securityhub-sagemaker3-consolidated.json'), { home }).requests,
    ).toHaveLength(1);
    expect(parseConfigEvent(sample('config-root-access-noncompliant.json'), { home }).requests).toHaveLength(
      1,
    );
  });

  it('reads the account and region from the function ARN, and refuses anything else', () => {
    expect(home).toEqual({ partition: 'aws', region: 'us-east-1', account: '123456789012' });
    expect(() => homeOf({ invokedFunctionArn: 'not-an-arn' })).toThrow(ValidationError);
  });
});

describe('SageMaker.8 and the notebook patch group', () => {
  it("moves a notebook of an opted-in group to the group's target platform", () => {
    // Act
    const plan = parseFindingEvent(sample('securityhub-sagemaker8-consolidated.json'), {
      home,
      context: context({ 'patch-group': 'research' }),
    });

    // Assess
    expect(plan.requests.map((r) => [r.targets, r.settings])).toEqual([
      [{ names: ['nb-1'] }, { platformIdentifier: 'notebook-al2023-v1' }],
    ]);
    expect(() => parsePatchRequest(plan.requests[0])).not.toThrow();
  });

  it.each([
    [
      'in a group that has not opted in',
      { 'patch-group': 'weekly' },
      /nb-1's patch group weekly has not opted in/,
    ],
    ['in no group', { team: 'ml' }, /nb-1 belongs to no patch group/],
    [
      'in two groups that disagree',
      { 'patch-group': 'research', pinned: 'yes' },
      /disagree on its platform: research \(notebook-al2023-v1\), pinned \(not opted in\)/,
    ],
  ])('reports a notebook %s as not remediable, saying why', (_, tags, reason) => {
    // Act
    const plan = parseFindingEvent(sample('securityhub-sagemaker8-consolidated.json'), {
      home,
      context: context(tags),
    });

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.notRemediable).toEqual([
      expect.objectContaining({
        control: 'SageMaker.8',
        notebook: 'nb-1',
        reason: expect.stringMatching(reason),
      }),
    ]);
  });

  it('finds the group of a notebook it names, without tags', () => {
    // Prepare
    const event = sample('securityhub-sagemaker8-consolidated.json');
    const [resource] = event.detail.findings[0].Resources;
    resource.Id = resource.Id.replace('nb-1', 'nb-9');
    delete resource.Details;

    // Act
    const plan = parseFindingEvent(event, { home, context: { ...context({}), tags: new Map() } });

    // Assess
    expect(plan.requests[0]?.settings).toEqual({ platformIdentifier: 'notebook-al2-v3' });
  });

  it('treats the platform-version Config rule as SageMaker.8, by the same group', () => {
    // Prepare
    const event = sample('config-root-access-noncompliant.json');
    event.detail.configRuleName = 'securityhub-sagemaker-notebook-instance-platform-version-3b7e1f20';

    // Act
    const plan = parseConfigEvent(event, { home, context: context({ 'patch-group': 'research' }) });

    // Assess
    expect(plan.requests[0]?.settings).toEqual({ platformIdentifier: 'notebook-al2023-v1' });
  });
});

describe('exemptions and the controls they never cover', () => {
  it('patches an exempt notebook for root access (SageMaker.3), overriding the exemption, and leaves its platform', () => {
    // Act
    const plan = parseFindingEvent(rootAndPlatform(), {
      home,
      context: context({ 'patch-group': 'research', 'caretaker:exempt': 'legal hold' }),
    });

    // Assess
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]).toMatchObject({
      settings: { rootAccess: 'Disabled' },
      source: { controls: ['SageMaker.3'] },
      policy: { exemptTag: 'caretaker:exempt', overridesExemption: true },
    });
    expect(plan.ignored).toEqual([
      {
        findingId: expect.stringContaining('SageMaker.8'),
        reason: 'nb-1 is exempt (tagged caretaker:exempt=legal hold), which covers SageMaker.8',
      },
    ]);
  });

  it('leaves an exempt notebook alone for every control when caretaker.yml says exemptions cover them all', () => {
    // Prepare
    const settings = { ...triggerSettings(config), neverCovered: [] };

    // Act
    const plan = parseFindingEvent(rootAndPlatform(), {
      home,
      context: { ...context({ 'patch-group': 'research', 'caretaker:exempt': '' }), settings },
    });

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored.map((i) => i.reason)).toEqual([
      'nb-1 is exempt (tagged caretaker:exempt), which covers SageMaker.3',
      'nb-1 is exempt (tagged caretaker:exempt), which covers SageMaker.8',
    ]);
  });

  it('remediates both controls when the exemption ended, without overriding anything', () => {
    // Act
    const plan = parseFindingEvent(rootAndPlatform(), {
      home,
      context: context({ 'patch-group': 'research', 'caretaker:exempt': 'until-2026-11-22' }),
    });

    // Assess
    expect(plan.requests[0]?.settings).toEqual({
      rootAccess: 'Disabled',
      platformIdentifier: 'notebook-al2023-v1',
    });
    expect(plan.requests[0]?.policy.overridesExemption).toBeUndefined();
  });

  it('knows the root-access Config rule for SageMaker.3, so an exemption does not cover it either', () => {
    // Act
    const plan = parseConfigEvent(sample('config-root-access-noncompliant.json'), {
      home,
      context: context({ 'caretaker:exempt': 'until-2027-01-31' }),
    });

    // Assess
    expect(plan.requests[0]).toMatchObject({
      settings: { rootAccess: 'Disabled' },
      policy: { overridesExemption: true },
    });
  });
});

describe("the triggers' settings in their environment", () => {
  it("carry caretaker.yml's groups, limits and exemptions to the function and read back the same", () => {
    // Prepare
    const environment = triggerEnvironment(config);

    // Act
    const read = readTriggerSettings(environment);

    // Assess
    expect(read).toEqual(triggerSettings(config));
    expect(read.groups.find((g) => g.name === 'research')?.targetPlatform).toBe('notebook-al2023-v1');
  });

  it('name the variable and the field when the deployment wrote something wrong', () => {
    // Act
    const notJson = () => readTriggerSettings({ [TRIGGER_SETTINGS_VARIABLE]: '{' });
    const wrong = () =>
      readTriggerSettings({
        [TRIGGER_SETTINGS_VARIABLE]: JSON.stringify({ ...triggerSettings(config), neverCovered: ['root'] }),
      });

    // Assess
    expect(notJson).toThrow(/CARETAKER_TRIGGER_SETTINGS: is not JSON/);
    expect(wrong).toThrow(
      /CARETAKER_TRIGGER_SETTINGS\.neverCovered\[0\]: expected a Security Hub control id/,
    );
  });

  it('are the safe defaults when the variable is absent: no group, SageMaker.3 never covered', () => {
    expect(readTriggerSettings({})).toMatchObject({ groups: [], neverCovered: ['SageMaker.3'] });
  });
});
