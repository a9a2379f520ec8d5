/**
 * Tracing is a deployment setting (CARETAKER_TRACING): off, the Tracer is never imported, since importing it
 * alone turns on aws-xray-sdk-core's async-hooks bookkeeping; on, every client the functions build records
 * its calls. Each test loads observability.ts afresh under its own environment. The tracing-off test comes
 * first: once loaded, aws-xray-sdk-core stays in the process's module cache.
 */
import { createRequire } from 'node:module';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it, vi } from 'vitest';

const loadedModules = () => Object.keys(createRequire(import.meta.url).cache);
const middlewareOf = (client: SageMakerClient) => client.middlewareStack.identify().join('\n');

async function observability(env: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return import('#lib/observability');
}

afterEach(() => vi.unstubAllEnvs());

describe('tracing', () => {
  it('is off unless the deployment turns it on: the Tracer is never loaded and clients stay as built', async () => {
    // Prepare
    const { traced } = await observability({
      CARETAKER_TRACING: undefined,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    });
    const client = new SageMakerClient({ region: 'us-east-1' });

    // Act
    const result = traced(client);

    // Assess
    expect(result).toBe(client);
    expect(middlewareOf(result)).not.toMatch(/XRay/);
    expect(loadedModules().filter((path) => path.includes('/aws-xray-sdk-core/'))).toEqual([]);
  });

  it('records every call of the clients when it is on', async () => {
    // Prepare: the Tracer traces only inside Lambda, which it recognises by AWS_EXECUTION_ENV, and only
    // where Powertools' own switch is not off (the test runner turns it off for quiet local runs).
    const { traced } = await observability({
      CARETAKER_TRACING: 'true',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      POWERTOOLS_TRACE_ENABLED: undefined,
    });

    // Act
    const client = traced(new SageMakerClient({ region: 'us-east-1' }));

    // Assess
    expect(middlewareOf(client)).toMatch(/XRaySDKInstrumentation/);
    expect(loadedModules().some((path) => path.includes('/aws-xray-sdk-core/'))).toBe(true);
  });
});
