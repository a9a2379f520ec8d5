import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { parsePatchRequest, toleratedFailures } from '#lib/notebook/request';
import { toPatchRequest } from '#lib/triggers/requests';

const valid = {
  requestId: 'r-1',
  reason: 'request',
  source: { kind: 'request' },
  targets: { names: ['nb-1'] },
};

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('patch requests', () => {
  it('fills the policy defaults', () => {
    expect(parsePatchRequest(valid).policy).toMatchObject({
      maxConcurrency: 10,
      maxErrors: '10%',
      exemptTag: 'caretaker:exempt',
      includeStopped: true,
      dryRun: false,
    });
  });

  it('names every bad field, the value and what was expected', () => {
    const issues = issuesOf(() =>
      parsePatchRequest({
        ...valid,
        settings: { rootAccess: 'Off', volumeSizeInGB: 2.5 },
        policy: { maxConcurrency: 0, maxErrors: '150%' },
      }),
    );
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
    expect(byField['settings.rootAccess']).toMatch(/Enabled or Disabled.*got "Off"/);
    expect(byField['settings.volumeSizeInGB']).toMatch(/whole number.*got 2.5/);
    expect(byField['policy.maxConcurrency']).toMatch(/got 0/);
    expect(byField['policy.maxErrors']).toMatch(/count .* or a percentage.*got "150%"/);
  });

  it('accepts only the instance types and platforms the API model knows, before anything is stopped', () => {
    const issues = issuesOf(() =>
      parsePatchRequest({
        ...valid,
        settings: { instanceType: 'ml.t3.mega', platformIdentifier: 'notebook-al3-v1' },
      }),
    );
    const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
    expect(byField['settings.instanceType']).toMatch(/instance type the API accepts.*got "ml.t3.mega"/);
    expect(byField['settings.platformIdentifier']).toMatch(/notebook-al2023-v1.*got "notebook-al3-v1"/);
    const ok = parsePatchRequest({
      ...valid,
      settings: { instanceType: 'ml.g5.xlarge', platformIdentifier: 'notebook-al2023-v1' },
    });
    expect(ok.settings).toEqual({ instanceType: 'ml.g5.xlarge', platformIdentifier: 'notebook-al2023-v1' });
  });

  it('rejects unknown fields so a typo does not pass silently', () => {
    const issues = issuesOf(() => parsePatchRequest({ ...valid, settings: { rootacess: 'Disabled' } }));
    expect(issues[0]).toMatchObject({ field: 'settings' });
    expect(issues[0]?.message).toMatch(/rootacess/);
  });

  it('turns a percentage of errors into a count of tolerated failures', () => {
    expect(toleratedFailures('10%', 12)).toBe(1);
    expect(toleratedFailures('0%', 12)).toBe(0);
    expect(toleratedFailures(3, 12)).toBe(3);
  });

  it('names a request after its event id, so a repeated delivery is the same execution', () => {
    const event = {
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      detail: { requestedBy: 'alice', reason: 'CVE', targets: { names: ['nb-1'] } },
    };
    expect(toPatchRequest(event).requestId).toBe('request-6a7e8feb-b491-4cf7-a9f1-bf3703467718');
    expect(toPatchRequest({ ...event, id: '…' }).requestId).toMatch(/^request-[0-9a-f]{32}$/);
  });

  it('names request fields with their place in the event', () => {
    const issues = issuesOf(() =>
      toPatchRequest({ detail: { requestedBy: 'alice', reason: 'x', targets: { names: [] } } }),
    );
    expect(issues[0]?.field).toMatch(/^detail\.targets/);
  });
});
