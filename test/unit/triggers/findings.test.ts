import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingRequestId, parseConfigEvent, parseFindingEvent } from '#lib/triggers/findings';
import { parsePatchRequest } from '#lib/notebook/request';
import { caught } from '../../support/errors.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sample = (file: string): Json =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../events/samples', file), 'utf8')) as Json;

describe('parseFindingEvent', () => {
  it('asks to disable root access on nb-1 for a consolidated SageMaker.3 finding', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]).toMatchObject({
      reason: 'finding',
      source: { kind: 'securityhub-finding', id: event.detail.findings[0].Id, controls: ['SageMaker.3'] },
      targets: { names: ['nb-1'] },
      settings: { rootAccess: 'Disabled' },
    });
    expect(plan.notRemediable).toEqual([]);
    expect(plan.ignored).toEqual([]);
  });

  it('reads the control of a per-standard finding from ProductFields.ControlId or the generator id', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-per-standard.json');
    const finding = event.detail.findings[0];
    delete finding.Compliance.SecurityControlId;
    const withoutProductFields = structuredClone(event);
    delete withoutProductFields.detail.findings[0].ProductFields.ControlId;

    // Act
    const fromProductFields = parseFindingEvent(event);
    const fromGenerator = parseFindingEvent(withoutProductFields);

    // Assess
    expect(fromProductFields.requests[0]?.settings).toEqual({ rootAccess: 'Disabled' });
    expect(fromGenerator.requests[0]?.settings).toEqual({ rootAccess: 'Disabled' });
    expect(fromProductFields.requests[0]?.requestId).toMatch(/^finding-sagemaker-3-[0-9a-f]{16}$/);
  });

  it('takes the notebook name from the ARN when the finding carries no details', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    delete event.detail.findings[0].Resources[0].Details;

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests[0]?.targets).toEqual({ names: ['nb-1'] });
  });

  it('keeps the name as typed from the details, since the ARN holds it in lower case', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    const resource = event.detail.findings[0].Resources[0];
    resource.Id = resource.Id.replace('nb-1', 'research-nb');
    resource.Details.AwsSageMakerNotebookInstance.NotebookInstanceName = 'Research-NB';

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests[0]?.targets).toEqual({ names: ['Research-NB'] });
  });

  it('reports a SageMaker.1 finding as not remediable and starts nothing', () => {
    // Prepare
    const event = sample('securityhub-sagemaker1-direct-internet.json');

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.notRemediable).toEqual([
      {
        findingId: event.detail.findings[0].Id,
        control: 'SageMaker.1',
        notebook: 'nb-1',
        reason: expect.stringMatching(/direct internet access/),
      },
    ]);
  });

  it.each([
    ['securityhub-sagemaker3-passed.json', 'compliance status is "PASSED", expected "FAILED"'],
    ['securityhub-sagemaker3-archived.json', 'record state is "ARCHIVED", expected "ACTIVE"'],
  ])('ignores %s with the reason', (file, reason) => {
    // Prepare
    const event = sample(file);

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored).toEqual([{ findingId: event.detail.findings[0].Id, reason }]);
  });

  it('ignores a finding someone already works on and a finding about another resource type', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    const notified = event.detail.findings[0];
    notified.Workflow.Status = 'NOTIFIED';
    const bucket = structuredClone(sample('securityhub-sagemaker3-consolidated.json').detail.findings[0]);
    bucket.Id = 'bucket-finding';
    bucket.Resources = [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::logs' }];
    event.detail.findings.push(bucket);

    // Act
    const plan = parseFindingEvent(event);

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored).toEqual([
      { findingId: notified.Id, reason: 'workflow status is "NOTIFIED", expected "NEW"' },
      {
        findingId: 'bucket-finding',
        reason: 'not about a notebook instance (resource types ["AwsS3Bucket"])',
      },
    ]);
  });

  it('makes one request per notebook, merging the settings of its findings', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    const platform = structuredClone(event.detail.findings[0]);
    platform.Id = platform.Id.replace('SageMaker.3', 'SageMaker.8');
    platform.GeneratorId = 'security-control/SageMaker.8';
    platform.Compliance.SecurityControlId = 'SageMaker.8';
    const otherNotebook = structuredClone(event.detail.findings[0]);
    otherNotebook.Id = otherNotebook.Id.replace('EXAMPLE11111', 'EXAMPLE99999');
    otherNotebook.Resources[0].Id = otherNotebook.Resources[0].Id.replace('nb-1', 'nb-2');
    otherNotebook.Resources[0].Details.AwsSageMakerNotebookInstance.NotebookInstanceName = 'nb-2';
    event.detail.findings.push(platform, otherNotebook);

    // Act
    const plan = parseFindingEvent(event, { targetPlatform: 'notebook-al2023-v1' });

    // Assess
    expect(plan.requests.map((r) => [r.targets, r.settings])).toEqual([
      [{ names: ['nb-1'] }, { rootAccess: 'Disabled', platformIdentifier: 'notebook-al2023-v1' }],
      [{ names: ['nb-2'] }, { rootAccess: 'Disabled' }],
    ]);
    expect(plan.requests[0]?.source.controls).toEqual(['SageMaker.3', 'SageMaker.8']);
    expect(plan.requests[0]?.requestId).not.toBe(plan.requests[1]?.requestId);
  });

  it('names the request the same when the same finding state is imported again', () => {
    // Prepare: another delivery of the same finding, as Security Hub re-imports it (same UpdatedAt).
    const first = sample('securityhub-sagemaker3-consolidated.json');
    const again = structuredClone(first);
    again.id = 'another-delivery';
    again.time = '2025-06-30T03:31:00Z';

    // Act
    const a = parseFindingEvent(first).requests[0]?.requestId;
    const b = parseFindingEvent(again).requests[0]?.requestId;

    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('names a new remediation when the control fails again after the first (a new UpdatedAt)', () => {
    // Prepare
    const first = sample('securityhub-sagemaker3-consolidated.json');
    const later = structuredClone(first);
    later.detail.findings[0].UpdatedAt = '2025-06-09T03:30:00.000Z';

    // Act
    const a = parseFindingEvent(first).requests[0]?.requestId;
    const b = parseFindingEvent(later).requests[0]?.requestId;

    // Assess
    expect(b).not.toBe(a);
  });

  it('keeps request ids within 80 characters whatever the controls are called', () => {
    // Prepare
    const findings = Array.from({ length: 5 }, (_, i) => ({
      id: `finding-${i}`,
      generatorId: `generator-${i}`,
      control: `a-rather-long-custom-control-name-number-${i}`,
    }));

    // Act
    const id = findingRequestId(findings);

    // Assess
    expect(id.length).toBeLessThanOrEqual(80);
    expect(id).toMatch(/^finding-a-rather-long-custom-control-name[a-z0-9-]*-[0-9a-f]{16}$/);
  });

  it('produces requests the notebook-patch workflow accepts', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');

    // Act
    const [request] = parseFindingEvent(event, { policy: { maxConcurrency: 1 } }).requests;

    // Assess
    expect(() => parsePatchRequest(request)).not.toThrow();
    expect(parsePatchRequest(request).policy.maxConcurrency).toBe(1);
  });

  it('names the missing findings array', () => {
    // Prepare
    const event = { ...sample('securityhub-sagemaker3-consolidated.json'), detail: {} };

    // Act
    const error = caught(() => parseFindingEvent(event));

    // Assess
    expect(error.issues).toEqual([
      { field: 'detail.findings', message: 'got nothing, expected a non-empty array of ASFF findings' },
    ]);
  });

  it('names every malformed field of every finding', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json');
    const second = structuredClone(event.detail.findings[0]);
    delete event.detail.findings[0].Id;
    delete second.Resources;
    const third = structuredClone(sample('securityhub-sagemaker3-consolidated.json').detail.findings[0]);
    third.Resources[0].Id = 'nb-1';
    delete third.Resources[0].Details;
    event.detail.findings.push(second, third);

    // Act
    const error = caught(() => parseFindingEvent(event));

    // Assess
    expect(error.issues.map((i) => i.field)).toEqual([
      'detail.findings[0].Id',
      'detail.findings[1].Resources',
      'detail.findings[2].Resources[0].Id',
    ]);
    expect(error.issues[1]?.message).toBe('got nothing, expected a non-empty array of resources');
    expect(error.issues[2]?.message).toMatch(
      /^got "nb-1", expected arn:aws:sagemaker:<region>:<account>:notebook-instance\/<name>/,
    );
  });
});

describe('parseConfigEvent', () => {
  it('asks to disable root access on nb-1 for the Security Hub root-access rule', () => {
    // Prepare
    const event = sample('config-root-access-noncompliant.json');

    // Act
    const plan = parseConfigEvent(event);

    // Assess
    expect(plan.requests).toHaveLength(1);
    expect(plan.requests[0]).toMatchObject({
      reason: 'finding',
      source: { kind: 'config-rule', id: `${event.detail.configRuleName}/nb-1` },
      targets: { names: ['nb-1'] },
      settings: { rootAccess: 'Disabled' },
    });
    expect(plan.requests[0]?.requestId).toMatch(
      /^config-sagemaker-notebook-instance-root-access-check-[0-9a-f]{16}$/,
    );
    expect(() => parsePatchRequest(plan.requests[0])).not.toThrow();
  });

  it('names the request the same whenever Config notifies about the same evaluation again, and anew for a new one', () => {
    // Prepare
    const first = sample('config-root-access-noncompliant.json');
    const again = structuredClone(first);
    again.detail.notificationCreationTime = '2016-09-28T07:00:00.000Z';
    const otherNotebook = structuredClone(first);
    otherNotebook.detail.resourceId = 'nb-2';
    // The rule evaluated the notebook again later and found it NON_COMPLIANT again: a new remediation.
    const failedAgain = structuredClone(first);
    failedAgain.detail.newEvaluationResult.resultRecordedTime = '2016-10-07T06:59:59.000Z';

    // Act
    const ids = [first, again, otherNotebook, failedAgain].map(
      (e) => parseConfigEvent(e).requests[0]?.requestId,
    );

    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[0]);
  });

  it('ignores a COMPLIANT evaluation with the reason', () => {
    // Prepare
    const event = sample('config-root-access-compliant.json');

    // Act
    const plan = parseConfigEvent(event);

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.ignored).toEqual([
      {
        findingId: `${event.detail.configRuleName}/nb-1`,
        reason: 'compliance type is "COMPLIANT", expected "NON_COMPLIANT"',
      },
    ]);
  });

  it('reports the VPC rule as not remediable', () => {
    // Prepare
    const event = sample('config-root-access-noncompliant.json');
    event.detail.configRuleName = 'securityhub-sagemaker-notebook-instance-inside-vpc-2c79afca';

    // Act
    const plan = parseConfigEvent(event);

    // Assess
    expect(plan.requests).toEqual([]);
    expect(plan.notRemediable).toMatchObject([
      { control: 'sagemaker-notebook-instance-inside-vpc', notebook: 'nb-1' },
    ]);
  });

  it('ignores an evaluation of another resource type', () => {
    // Prepare
    const event = sample('config-root-access-noncompliant.json');
    event.detail.resourceType = 'AWS::S3::Bucket';

    // Act
    const plan = parseConfigEvent(event);

    // Assess
    expect(plan.ignored[0]?.reason).toBe(
      'resource type is "AWS::S3::Bucket", expected "AWS::SageMaker::NotebookInstance"',
    );
  });

  it('names every missing field of a malformed compliance change', () => {
    // Prepare
    const event = sample('config-root-access-noncompliant.json');
    delete event.detail.configRuleName;
    delete event.detail.newEvaluationResult;

    // Act
    const error = caught(() => parseConfigEvent(event));

    // Assess
    expect(error.issues.map((i) => i.field)).toEqual([
      'detail.configRuleName',
      'detail.newEvaluationResult.complianceType',
    ]);
  });
});
