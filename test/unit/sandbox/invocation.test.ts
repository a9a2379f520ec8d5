import { describe, expect, it } from 'vitest';
import { Invocation, isMutatingCall } from '../../../sandbox/lambda.ts';

/** Whether a promise is still pending after every queued callback has run. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

describe('a Lambda fault around the first mutating call', () => {
  it('before-call: the call is never made, and the handler never hears back', async () => {
    // Prepare
    const invocation = new Invocation({ error: 'Lambda.ServiceException', when: 'before-call' });
    let made = 0;

    // Act
    const answer = invocation.around(true, async () => made++);

    // Assess
    expect(await pending(answer)).toBe(true);
    expect(made).toBe(0);
    expect(invocation.hasFired).toBe(true);
  });

  it('after-call: the call is made, its answer is withheld, and later calls are frozen too', async () => {
    // Prepare
    const invocation = new Invocation({ error: 'timeout', when: 'after-call' });
    const made: string[] = [];

    // Act
    const read = await invocation.around(false, async () => made.push('read'));
    const change = invocation.around(true, async () => made.push('change'));
    await new Promise((resolve) => setImmediate(resolve));
    const after = invocation.around(false, async () => made.push('after'));

    // Assess
    expect(read).toBe(1);
    expect(await pending(change)).toBe(true);
    expect(await pending(after)).toBe(true);
    expect(made).toEqual(['read', 'change']);
  });

  it('arms only the first mutating call, and an invocation without a fault passes every answer through', async () => {
    const unfaulted = new Invocation(undefined);
    await expect(unfaulted.around(true, async () => 'ok')).resolves.toBe('ok');
    await expect(unfaulted.around(true, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(unfaulted.hasFired).toBe(false);
  });
});

describe('mutating calls', () => {
  it.each([
    ['sagemaker', 'StopNotebookInstance', true],
    ['sagemaker', 'UpdateEndpoint', true],
    ['sagemaker', 'DescribeNotebookInstance', false],
    ['sagemaker', 'ListTags', false],
    ['sagemaker', 'GetScalingConfigurationRecommendation', false],
    ['sagemaker', 'Search', false],
    ['sfn', 'StartExecution', true],
    ['eventbridge', 'PutEvents', true],
    ['dynamodb', 'UpdateItem', false],
    ['cloudwatch', 'DescribeAlarms', false],
  ])('%s %s: %s', (service, operation, mutating) => {
    expect(isMutatingCall(service, operation)).toBe(mutating);
  });
});
