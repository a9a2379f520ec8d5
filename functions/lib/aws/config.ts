import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { readEnvironment } from '../env.ts';
import { traced } from '../observability.ts';

/**
 * Client settings shared by every gateway. Throttling and 5xx are retried by the SDK's standard retry
 * strategy (exponential back-off with full jitter); we only set how many attempts and the base delay.
 * `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` are honoured by the SDK itself, which is how the same
 * code talks to the sandbox.
 */
export interface AwsClientSettings {
  maxAttempts: number;
  baseDelayMs: number;
}

export function clientConfig({ maxAttempts, baseDelayMs }: AwsClientSettings) {
  return {
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt: number) =>
      Math.round(Math.random() * Math.min(20_000, baseDelayMs * 2 ** attempt)),
    ),
  };
}

/**
 * A Lambda function's client of one service: the settings above from the environment, its calls traced when
 * tracing is on. The modules in `clients/` build one each, once per container; a handler imports the ones
 * its step calls, so no bundle carries a client it never uses.
 */
export function lambdaClient<C extends object>(
  Client: new (config: ReturnType<typeof clientConfig>) => C,
): C {
  return traced(new Client(clientConfig(readEnvironment())));
}
