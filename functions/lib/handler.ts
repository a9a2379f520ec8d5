import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './observability.ts';

/**
 * Wraps a step in the middleware every caretaker function shares: JSON logs with the Lambda request id and
 * the caretaker `requestId` as correlation id (so one patch window's logs read as one story across steps).
 * The steps that publish metrics publish them themselves (metrics.ts).
 */
export function lambdaHandler<I, O>(step: (input: I, context: Context) => Promise<O>) {
  return middy(async (input: I, context: Context) => {
    const requestId = (input as { requestId?: unknown } | null)?.requestId;
    if (typeof requestId === 'string') logger.setCorrelationId(requestId);
    return step(input, context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}
