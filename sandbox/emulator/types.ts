/**
 * The seams between the emulator's HTTP front (`server.ts`) and the service modules behind it. A service
 * module is plain state + functions of (input, now) → output; the server owns the wire protocol, faults
 * and call counting, so a module never sees HTTP.
 */

/**
 * An AWS error as the SDK parses it: `__type` becomes `err.name`, `message` becomes `err.message`, and the
 * members of `fields` become members of the exception (DynamoDB's `Item` on a failed condition).
 */
export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

/** What an operation may do besides answering: emit AWS events (state changes) onto the default bus. */
export interface OperationContext {
  now(): number;
  emit(event: EmittedEvent): void;
  /** Runs `fire` at virtual time `atMs` (for changes that must produce an event at that moment). */
  schedule(atMs: number, fire: () => void): void;
}

export interface EmittedEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: string;
  eventBusName?: string;
}

export type OperationHandler = (input: Record<string, unknown>, ctx: OperationContext) => unknown;

/** One AWS service behind the emulator, selected by the `X-Amz-Target` prefix. */
export interface ServiceEmulator {
  /** e.g. `SageMaker`, `GraniteServiceVersion20100801`, `AWSEvents`, `DynamoDB_20120810` */
  targetPrefix: string;
  /** The name used in stats and fault settings, e.g. `sagemaker`. */
  service: string;
  operations: Record<string, OperationHandler>;
  /** The resource an input concerns (used to make injected faults deterministic per resource). */
  resourceKey?(operation: string, input: Record<string, unknown>): string;
  /** Receives the emulator's context at start, so changes due before the first call still happen on time. */
  attach?(context: OperationContext): void;
  /** The tags of a resource this service owns, by ARN, for SageMaker's one ListTags and AddTags. */
  tagsOf?(arn: string): Record<string, string> | undefined;
}
