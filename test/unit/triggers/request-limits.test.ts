import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { echoIssues, echoText } from '#lib/triggers/echo';
import {
  DEFAULT_REQUEST_LIMITS,
  endpointRequestIssues,
  patchRequestIssues,
  policyDefaults,
  type RequestLimits,
} from '#lib/triggers/request-limits';
import { rejectedEvent, toEndpointUpdateRequest, toPatchRequest } from '#lib/triggers/requests';
import { DEFAULT_TRIGGER_SETTINGS } from '#lib/triggers/settings';
import { caught } from '../../support/errors.ts';

const limitsOf = (requests: string): RequestLimits =>
  parseConfig(
    `
patchGroups:
  - { name: weekly, targets: { tags: { patch-group: weekly } }, schedule: { cron: '0 3 * * 0', timezone: UTC } }
requests:
${requests}
`,
    'caretaker.yml',
  ).requests;

/** The request of issue 13: an exempt production notebook, root access, a lifecycle config nobody approved. */
const lcEvil = {
  requestedBy: 'mallory',
  reason: 'routine',
  targets: { names: ['prod-nb'] },
  settings: { rootAccess: 'Enabled', lifecycleConfigName: 'lc-evil' },
  policy: { exemptTag: 'nobody-has-this-tag', maxConcurrency: 1000, maxErrors: '100%' },
};

describe('the default request limits (no requests section)', () => {
  it('refuse the lc-evil request, naming every limit it breaks', () => {
    // Act
    const issues = patchRequestIssues(lcEvil, DEFAULT_REQUEST_LIMITS);

    // Assess
    expect(issues).toEqual([
      {
        field: 'detail.settings.rootAccess',
        message: 'got "Enabled", but caretaker.yml requests.settings.rootAccess allows only ["Disabled"]',
      },
      {
        field: 'detail.settings.lifecycleConfigName',
        message:
          'got "lc-evil", but caretaker.yml requests.settings.lifecycleConfigName allows none: no request may set it',
      },
      {
        field: 'detail.policy.exemptTag',
        message: expect.stringMatching(/the exempt tag is the deployment's .*a request may not set it/),
      },
      {
        field: 'detail.policy.maxConcurrency',
        message: 'got 1000, above the ceiling of 50 (caretaker.yml requests.maxConcurrency)',
      },
      {
        field: 'detail.policy.maxErrors',
        message:
          'got "100%", above the ceiling of "25%" (caretaker.yml requests.maxErrors); expected a percentage of at most 25%',
      },
    ]);
  });

  it('allow what cannot weaken a notebook: root access off, IMDSv2, detaching a lifecycle config', () => {
    // Act
    const issues = patchRequestIssues(
      {
        settings: {
          rootAccess: 'Disabled',
          minimumInstanceMetadataServiceVersion: '2',
          disassociateLifecycleConfig: true,
          instanceType: 'ml.t3.large',
        },
        policy: { maxConcurrency: 50, maxErrors: '25%' },
      },
      DEFAULT_REQUEST_LIMITS,
    );

    // Assess
    expect(issues).toEqual([]);
  });

  it('refuse IMDSv1', () => {
    expect(
      patchRequestIssues(
        { settings: { minimumInstanceMetadataServiceVersion: '1' } },
        DEFAULT_REQUEST_LIMITS,
      ),
    ).toEqual([expect.objectContaining({ field: 'detail.settings.minimumInstanceMetadataServiceVersion' })]);
  });
});

describe('request limits from caretaker.yml', () => {
  it('allow the values listed per setting and refuse the others, keeping the defaults of settings not listed', () => {
    // Prepare
    const limits = limitsOf(`
  settings:
    lifecycleConfigName: [lc-v2]
    instanceType: [ml.t3.medium, ml.t3.large]`);

    // Act
    const allowed = patchRequestIssues(
      { settings: { lifecycleConfigName: 'lc-v2', instanceType: 'ml.t3.large' } },
      limits,
    );
    const refused = patchRequestIssues(
      { settings: { instanceType: 'ml.p4d.24xlarge', rootAccess: 'Enabled' } },
      limits,
    );

    // Assess
    expect(allowed).toEqual([]);
    expect(refused.map((i) => i.field)).toEqual([
      'detail.settings.instanceType',
      'detail.settings.rootAccess',
    ]);
    expect(refused[0]?.message).toBe(
      'got "ml.p4d.24xlarge", but caretaker.yml requests.settings.instanceType allows only ["ml.t3.medium","ml.t3.large"]',
    );
  });

  it('hold a count of errors to a count ceiling, and a percentage to a percentage ceiling', () => {
    // Prepare
    const byCount = limitsOf('  maxErrors: 2');
    const byShare = limitsOf("  maxErrors: '20%'");

    // Act
    const fields = (issues: Array<{ field: string }>) => issues.map((i) => i.field);
    const results = [
      patchRequestIssues({ policy: { maxErrors: 2 } }, byCount),
      patchRequestIssues({ policy: { maxErrors: 3 } }, byCount),
      // A percentage of a number of notebooks not known yet could be any count.
      patchRequestIssues({ policy: { maxErrors: '5%' } }, byCount),
      patchRequestIssues({ policy: { maxErrors: '20%' } }, byShare),
      patchRequestIssues({ policy: { maxErrors: 1 } }, byShare),
      patchRequestIssues({ policy: { maxErrors: 0 } }, byShare),
    ].map(fields);

    // Assess
    expect(results).toEqual([
      [],
      ['detail.policy.maxErrors'],
      ['detail.policy.maxErrors'],
      [],
      ['detail.policy.maxErrors'],
      [],
    ]);
  });

  it('fill what a request leaves out within the ceilings', () => {
    expect(policyDefaults(DEFAULT_REQUEST_LIMITS)).toEqual({ maxConcurrency: 10, maxErrors: '10%' });
    expect(policyDefaults(limitsOf("  maxConcurrency: 4\n  maxErrors: '5%'"))).toEqual({
      maxConcurrency: 4,
      maxErrors: '5%',
    });
    expect(policyDefaults(limitsOf('  maxErrors: 1'))).toEqual({ maxConcurrency: 10, maxErrors: 1 });
  });

  it('let a request update only the endpoints named or tagged, with the strategies listed', () => {
    // Prepare
    const named = limitsOf('  endpoints: { names: [ep-1], strategies: [canary, linear] }');
    const tagged = limitsOf('  endpoints: { tags: { caretaker:updates: allowed } }');

    // Act
    const results = [
      endpointRequestIssues({ endpointName: 'ep-1', strategy: 'canary' }, named),
      endpointRequestIssues({ endpointName: 'ep-2', strategy: 'all-at-once' }, named),
      endpointRequestIssues({ endpointName: 'ep-2', strategy: 'rolling' }, tagged, {
        'caretaker:updates': 'allowed',
      }),
      endpointRequestIssues({ endpointName: 'ep-3', strategy: 'rolling' }, tagged, { team: 'ml' }),
    ];

    // Assess
    expect(results[0]).toEqual([]);
    expect(results[1]).toEqual([
      {
        field: 'detail.endpointName',
        message: 'got "ep-2", but caretaker.yml requests.endpoints.names allows only ["ep-1"]',
      },
      {
        field: 'detail.deployment.strategy',
        message:
          'got "all-at-once", but caretaker.yml requests.endpoints.strategies allows only ["canary","linear"]',
      },
    ]);
    expect(results[2]).toEqual([]);
    expect(results[3]?.[0]?.message).toBe(
      'endpoint "ep-3" is not tagged {"caretaker:updates":"allowed"}, which caretaker.yml requests.endpoints.tags asks of every endpoint a request updates',
    );
  });

  it('are validated like the rest of the file, naming the file, the field, the value and the expectation', () => {
    // Act
    const error = caught(() =>
      limitsOf(`
  settings: { rootAccess: [Off], minimumInstanceMetadataServiceVersion: [2] }
  maxConcurrency: 0
  endpoints: { names: [ep-1], tags: { a: b }, strategies: [blue-green] }`),
    );

    // Assess
    expect(error.message).toMatch(/^caretaker\.yml: /);
    expect(error.issues.map((i) => i.field)).toEqual(
      expect.arrayContaining([
        'requests.settings.rootAccess[0]',
        'requests.settings.minimumInstanceMetadataServiceVersion[0]',
        'requests.maxConcurrency',
        'requests.endpoints.strategies[0]',
      ]),
    );
    expect(error.issues.find((i) => i.field === 'requests.settings.rootAccess[0]')?.message).toBe(
      'expected Enabled or Disabled (got "Off")',
    );
  });
});

describe('a person request turned into a patch request', () => {
  const event = (detail: Record<string, unknown>) => ({
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    detail: { requestedBy: 'alice', reason: 'CVE-2026-1234', targets: { names: ['nb-1'] }, ...detail },
  });

  it("carries the deployment's exempt tag and the defaults within the ceilings", () => {
    // Prepare
    const rules = {
      ...DEFAULT_TRIGGER_SETTINGS,
      exemptTag: 'acme:hands-off',
      requests: limitsOf('  maxConcurrency: 3'),
    };

    // Act
    const request = toPatchRequest(event({}), rules);

    // Assess
    expect(request.policy).toMatchObject({
      exemptTag: 'acme:hands-off',
      maxConcurrency: 3,
      maxErrors: '10%',
    });
    expect(request.policy.overridesExemption).toBe(false);
  });

  it('refuses a request that sets overridesExemption itself: only the finding triggers may', () => {
    // Act
    const error = caught(() => toPatchRequest(event({ policy: { overridesExemption: true } })));

    // Assess
    expect(error.issues).toEqual([
      expect.objectContaining({
        field: 'detail.policy',
        message: expect.stringMatching(/overridesExemption/),
      }),
    ]);
  });

  it('records what the requester says about themselves without the characters that would disguise it', () => {
    // Act
    const request = toPatchRequest(
      event({ requestedBy: 'alice\u001b[2J\n\u202eroot', reason: 'SEC-42\r\nApproved' }),
    );

    // Assess
    expect(request.source).toMatchObject({ requestedBy: 'alice [2J root', note: 'SEC-42 Approved' });
  });
});

describe('what a rejection echoes of the request', () => {
  it('is a bounded, sanitised copy: each text capped, control characters gone, at most 20 problems', () => {
    // Prepare
    const input = {
      id: 'x'.repeat(5000),
      'detail-type': 'Notebook Patch Requested',
      detail: { requestedBy: `eve\u0007${'y'.repeat(1000)}` },
    };
    const issues = Array.from({ length: 25 }, (_, i) => ({
      field: `detail.f${i}`,
      message: `got "${'z'.repeat(900)}"`,
    }));

    // Act
    const { detail } = rejectedEvent(input, issues);

    // Assess
    expect(detail.requestEventId).toHaveLength(256);
    expect(detail.requestEventId?.endsWith('…')).toBe(true);
    expect(detail.requestedBy?.startsWith('eve y')).toBe(true);
    expect(detail.errors).toHaveLength(20);
    expect(detail.errorsOmitted).toBe(5);
    expect(detail.errors.every((e) => e.message.length <= 512)).toBe(true);
  });

  it('does not echo what is not text', () => {
    expect(
      rejectedEvent({ detail: { requestedBy: { nested: 'object' } } }, []).detail.requestedBy,
    ).toBeNull();
    expect(echoText(42)).toBeUndefined();
    expect(echoIssues([{ field: 'a', message: 'b' }])).toEqual({ errors: [{ field: 'a', message: 'b' }] });
  });
});

describe('an endpoint update request held to the limits', () => {
  const home = { partition: 'aws', region: 'us-east-1', account: '123456789012' };
  const detail = {
    endpointName: 'ep-2',
    targetEndpointConfigName: 'cfg-v2',
    deployment: { strategy: 'all-at-once' },
    alarms: ['caretaker-ep-2-5xx'],
    requestedBy: 'bob\u0000\u0007',
  };

  it('is refused for an endpoint caretaker.yml does not name, before anything is read or started', async () => {
    // Prepare
    const settings = { ...DEFAULT_TRIGGER_SETTINGS, requests: limitsOf('  endpoints: { names: [ep-1] }') };

    // Act
    const refused = await toEndpointUpdateRequest(
      { id: 'e-1', detail },
      { settings, home, sagemaker: undefined as never },
    ).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.field)).toEqual(['detail.endpointName']);
  });

  it('becomes the workflow input under the default limits, with the requester words sanitised', async () => {
    // Act
    const request = await toEndpointUpdateRequest(
      { id: 'e-1', detail },
      { settings: DEFAULT_TRIGGER_SETTINGS, home, sagemaker: undefined as never },
    );

    // Assess
    expect(request).toMatchObject({ requestId: 'update-e-1', endpointName: 'ep-2', requestedBy: 'bob' });
  });
});
