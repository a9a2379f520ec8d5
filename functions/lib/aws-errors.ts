import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { AwsRequestError, CaretakerError, NotFoundError, TransientAwsError } from './errors.ts';

/**
 * Translates an SDK exception at the gateway boundary. The SDK has already retried throttling and 5xx by
 * the time we see one, so what is left is either still transient (the ASL retries the state on
 * `TransientAwsError`) or a refusal that retrying cannot fix (surfaced with the API's own message).
 */
export function translateAwsError(err: unknown, resource: string, notFound?: (e: Error) => boolean): Error {
  if (err instanceof CaretakerError || !(err instanceof Error)) return err as Error;
  const sdkError = err as Error & { $metadata?: { httpStatusCode?: number } };
  const message = `${err.name}: ${err.message}`;
  if (
    isThrottlingError(sdkError as never) ||
    isTransientError(sdkError as never) ||
    isServerError(sdkError as never)
  ) {
    return new TransientAwsError(message, { cause: err, resource });
  }
  if (notFound?.(err)) return new NotFoundError(message, { cause: err, resource });
  return new AwsRequestError(message, { cause: err, resource });
}
