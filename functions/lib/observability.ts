import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One logger, metrics and tracer per container; the service name groups every caretaker function. */
export const logger = new Logger({ serviceName: 'caretaker' });
// Metrics warnings (e.g. nothing to publish) go through the JSON logger, not straight to stdout.
export const metrics = new Metrics({ namespace: 'Caretaker', serviceName: 'caretaker', logger });
export const tracer = new Tracer({ serviceName: 'caretaker' });
