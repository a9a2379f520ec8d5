/**
 * lib/ (root) — what every domain shares: errors (this file), the environment (`env.ts`), the Lambda
 * wrapper (`handler.ts`), observability, IAM declarations (`iam.ts`) and validation helpers. The root
 * imports nothing from the folders below it.
 *
 * One error hierarchy for the domain. Each class sets `name` (the ASL `Retry`/`Catch` clauses match on
 * it), keeps `cause`, and says which resource and field it concerns.
 */
export interface CaretakerErrorOptions {
  cause?: unknown;
  resource?: string;
  field?: string;
}

export class CaretakerError extends Error {
  readonly code: string;
  readonly resource: string | undefined;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: CaretakerErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = code;
    this.code = code;
    this.resource = options.resource;
    this.field = options.field;
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

/** Bad input (request, finding, fleet file, config): names every field, value and expectation. */
export class ValidationError extends CaretakerError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], options: CaretakerErrorOptions = {}) {
    super('ValidationError', issues.map((i) => `${i.field}: ${i.message}`).join('; '), {
      ...options,
      field: options.field ?? issues[0]?.field,
    });
    this.issues = issues;
  }
}

/** A resource is not in a state the step may act from (e.g. stopping a notebook that is `Pending`). */
export class InvalidStateError extends CaretakerError {
  constructor(message: string, options: CaretakerErrorOptions = {}) {
    super('InvalidStateError', message, options);
  }
}

/** The resource does not exist (any more). */
export class NotFoundError extends CaretakerError {
  constructor(message: string, options: CaretakerErrorOptions = {}) {
    super('NotFoundError', message, options);
  }
}

/**
 * A transient AWS fault that outlived the SDK's own retries (throttling, 5xx): the ASL retries the
 * state with back-off on this name.
 */
export class TransientAwsError extends CaretakerError {
  constructor(message: string, options: CaretakerErrorOptions = {}) {
    super('TransientAwsError', message, options);
  }
}

/** AWS refused the request for a reason retrying will not fix; carries the API's own message. */
export class AwsRequestError extends CaretakerError {
  constructor(message: string, options: CaretakerErrorOptions = {}) {
    super('AwsRequestError', message, options);
  }
}

/** The caller has no usable AWS credentials or region (the CLI): says which profile and region it tried. */
export class AccessError extends CaretakerError {
  constructor(message: string, options: CaretakerErrorOptions = {}) {
    super('AccessError', message, options);
  }
}
