/**
 * lib/aws — the gateways: one module per AWS service (SageMaker notebooks and endpoints, CloudWatch,
 * EventBridge, Step Functions, the DynamoDB ledger), the only code that imports an SDK client. Each call
 * declares its IAM action (`needs`) and translates SDK errors here, so the ASL sees the same names from
 * every service. Gateways import only the shared core (`../*.ts`), never a domain. The gateway calls take
 * their client as a parameter; `clients/` builds a Lambda function's, one module per service, so that a
 * handler imports only the clients its step calls.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { AwsRequestError, CaretakerError, NotFoundError, TransientAwsError } from '../errors.ts';

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

/**
 * Sends one AWS request and translates its failure (see `translateAwsError`). Every gateway call goes through
 * here, so the ASL sees the same error names from every service.
 */
export async function callAws<T>(
  resource: string,
  send: () => Promise<T>,
  notFound?: (e: Error) => boolean,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw translateAwsError(err, resource, notFound);
  }
}

/** A lookup whose "not found" is an answer, not an error. */
export async function orUndefined<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
