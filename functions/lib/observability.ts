import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per container; the service name groups every caretaker function. Metrics: metrics.ts. */
export const logger = new Logger({ serviceName: 'caretaker' });

/**
 * The Tracer is loaded only when tracing is on (`CARETAKER_TRACING=true`, a deployment setting: README,
 * "Tracing"). Off, it costs nothing: importing it alone (aws-xray-sdk-core, ~120 KB) turns on async-hooks
 * bookkeeping for every promise, whether or not a trace is ever sent. The bundler replaces
 * `process.env.CARETAKER_TRACING` with the packaged value (deploy/esbuild.ts), so a function packaged
 * without tracing does not even contain the Tracer.
 */
const tracer =
  process.env.CARETAKER_TRACING === 'true'
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: 'caretaker' })
    : undefined;

/** An SDK client whose calls become X-Ray subsegments when tracing is on; the client itself otherwise. */
export function traced<C extends object>(client: C): C {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
