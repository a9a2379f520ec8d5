import { describe, expect, it } from 'vitest';
import { parseEndpointUpdateInput, parseEndpointUpdateRequest } from '#lib/endpoint/request';
import { ValidationError } from '#lib/errors';

const canary = {
  endpointName: 'ep-1',
  targetEndpointConfigName: 'cfg-v2',
  deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
  alarms: ['caretaker-ep-1-5xx'],
};

function issuesOf(detail: unknown) {
  try {
    parseEndpointUpdateRequest(detail);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('the Endpoint Update Requested detail', () => {
  it('fills in the defaults: 300 s canary wait, 600 s bake, three configs kept, missing data inconclusive', () => {
    // Act
    const request = parseEndpointUpdateRequest(canary);

    // Assess
    expect(request).toEqual({
      ...canary,
      deployment: { ...canary.deployment, waitIntervalSeconds: 300 },
      bakeSeconds: 600,
      retainConfigs: 3,
      treatMissingDataAs: 'inconclusive',
    });
  });

  it.each([
    ['all-at-once', { strategy: 'all-at-once', terminationWaitSeconds: 0 }],
    ['linear', { strategy: 'linear', linearStepSize: { type: 'CAPACITY_PERCENT', value: 10 } }],
    ['rolling', { strategy: 'rolling', maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 } }],
  ])('accepts a %s deployment within the limits', (_, deployment) => {
    // Act
    const request = parseEndpointUpdateRequest({ ...canary, deployment });

    // Assess
    expect(request.deployment).toMatchObject(deployment);
  });

  it.each([
    [{ waitIntervalSeconds: 3601 }, 'detail.deployment.waitIntervalSeconds', /0 to 3600.*3601/],
    [{ terminationWaitSeconds: -1 }, 'detail.deployment.terminationWaitSeconds', /0 to 3600.*-1/],
    [
      { maximumExecutionTimeoutSeconds: 599 },
      'detail.deployment.maximumExecutionTimeoutSeconds',
      /600 to 28800.*599/,
    ],
    [
      { maximumExecutionTimeoutSeconds: 28_801 },
      'detail.deployment.maximumExecutionTimeoutSeconds',
      /600 to 28800/,
    ],
    [
      { canarySize: { type: 'CAPACITY_PERCENT', value: 51 } },
      'detail.deployment.canarySize.value',
      /1% to 50%.*51/,
    ],
    [
      { canarySize: { type: 'INSTANCE_COUNT', value: 0 } },
      'detail.deployment.canarySize.value',
      /at least 1.*0/,
    ],
  ])(
    'names the field, the value and the limit when %j is outside the API limits',
    (change, field, message) => {
      // Act
      const issues = issuesOf({ ...canary, deployment: { ...canary.deployment, ...change } });

      // Assess
      expect(issues).toEqual([{ field, message: expect.stringMatching(message) }]);
    },
  );

  it('refuses a linear step outside 10–50% and a rolling batch above 50%', () => {
    // Act
    const linear = issuesOf({
      ...canary,
      deployment: { strategy: 'linear', linearStepSize: { type: 'CAPACITY_PERCENT', value: 5 } },
    });
    const rolling = issuesOf({
      ...canary,
      deployment: { strategy: 'rolling', maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 60 } },
    });

    // Assess
    expect(linear[0]).toMatchObject({
      field: 'detail.deployment.linearStepSize.value',
      message: /10% to 50%.*5/,
    });
    expect(rolling[0]).toMatchObject({
      field: 'detail.deployment.maximumBatchSize.value',
      message: /5% to 50%.*60/,
    });
  });

  it('refuses a size that belongs to another strategy and a strategy it does not know', () => {
    // Act
    const wrongSize = issuesOf({ ...canary, deployment: { ...canary.deployment, strategy: 'all-at-once' } });
    const unknown = issuesOf({ ...canary, deployment: { strategy: 'blue' } });

    // Assess
    expect(wrongSize).toEqual([{ field: 'detail.deployment', message: expect.stringMatching(/canarySize/) }]);
    expect(unknown).toEqual([
      { field: 'detail.deployment.strategy', message: expect.stringMatching(/all-at-once, canary.*"blue"/) },
    ]);
  });

  it.each([
    [[], /1 to 10/],
    [Array.from({ length: 11 }, (_, i) => `a-${i}`), /1 to 10/],
    [['a', 'a'], /each alarm once/],
  ])('refuses the alarm list %j', (alarms, message) => {
    // Act
    const issues = issuesOf({ ...canary, alarms });

    // Assess
    expect(issues).toEqual([{ field: 'detail.alarms', message: expect.stringMatching(message) }]);
  });

  it('lists every bad field at once', () => {
    // Act
    const issues = issuesOf({
      endpointName: 'ep 1',
      targetEndpointConfigName: 'cfg-v2',
      deployment: canary.deployment,
      bakeSeconds: 86_401,
      retainConfigs: 0,
      treatMissingDataAs: 'ignore',
    });

    // Assess
    expect(issues.map((i) => i.field)).toEqual([
      'detail.endpointName',
      'detail.alarms',
      'detail.bakeSeconds',
      'detail.retainConfigs',
      'detail.treatMissingDataAs',
    ]);
    expect(issues[2]!.message).toMatch(/0 to 86400.*86401/);
    expect(issues[3]!.message).toMatch(/1 to 100.*0/);
  });

  it('takes the workflow input only with a requestId that can name the execution', () => {
    // Act
    const accepted = parseEndpointUpdateInput({ ...canary, requestId: 'request-1' });

    // Assess
    expect(accepted.requestId).toBe('request-1');
    expect(() => parseEndpointUpdateInput({ ...canary, requestId: 'no spaces' })).toThrow(/requestId/);
    expect(() => parseEndpointUpdateRequest({ ...canary, requestId: 'request-1' })).toThrow(/requestId/);
  });
});
