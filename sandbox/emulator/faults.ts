import type { Fleet } from '../fleet.ts';
import { AwsApiError } from './types.ts';

/**
 * `throttle` and `serverError` answer instead of the operation (nothing happens); `lost` lets the operation
 * run and take effect, then answers a 500 as if the response had been lost on its way back.
 */
export type Fault = 'throttle' | 'serverError' | 'lost';

type Shares = Record<string, number>;
interface ServiceShares {
  throttle: Shares;
  serverErrors: Shares;
  lostResponses: Shares;
}

type FaultSettings = Pick<
  Fleet['faults'],
  'throttle' | 'serverErrors' | 'lostResponses' | 'seed' | 'dynamodb' | 'eventbridge'
>;

/** The fault settings of the fleet file by the emulator's service name. */
function sharesByService(faults: FaultSettings): Map<string, ServiceShares> {
  // One map of operation names serves SageMaker and CloudWatch: the fleet file validates a name against both.
  const api = {
    throttle: faults.throttle,
    serverErrors: faults.serverErrors,
    lostResponses: faults.lostResponses,
  };
  return new Map([
    ['sagemaker', api],
    ['cloudwatch', api],
    ['dynamodb', { ...faults.dynamodb, lostResponses: {} }],
    ['eventbridge', { ...faults.eventbridge, lostResponses: {} }],
  ]);
}

/**
 * Deterministic fault injection. Whether a call is faulted depends only on (seed, service, operation,
 * resource, n), where n counts the earlier calls of that operation on that resource: concurrent callers working
 * on different resources cannot change each other's outcomes, so the same fleet always gives the same faults
 * and the same call counts, however the runs interleave. `seed` moves the faults to other calls.
 *
 * @example
 *   const faults = new FaultInjector(fleet.faults);
 *   faults.decide('sagemaker', 'DescribeNotebookInstance', 'nb-1'); // → 'throttle' | …, the same every run
 */
export class FaultInjector {
  readonly #counts = new Map<string, number>();
  readonly #shares: Map<string, ServiceShares>;

  constructor(private readonly faults: FaultSettings) {
    this.#shares = sharesByService(faults);
  }

  decide(service: string, operation: string, resourceKey: string): Fault | undefined {
    const shares = this.#shares.get(service);
    const throttle = shares?.throttle[operation] ?? 0;
    const serverError = shares?.serverErrors[operation] ?? 0;
    const lost = shares?.lostResponses[operation] ?? 0;
    if (throttle === 0 && serverError === 0 && lost === 0) return undefined;
    const counter = [service, operation, resourceKey].join('\u0000');
    const n = this.#counts.get(counter) ?? 0;
    this.#counts.set(counter, n + 1);
    // The services' operation names do not overlap, so the draw leaves the service out: a fleet file's
    // SageMaker faults fall on the same calls as before other services could be faulted.
    const draw = (kind: Fault) =>
      unitInterval([this.faults.seed, kind, operation, resourceKey, n].join('\u0000'));
    if (draw('throttle') < throttle) return 'throttle';
    if (draw('serverError') < serverError) return 'serverError';
    if (draw('lost') < lost) return 'lost';
    return undefined;
  }
}

type Answer = [status: number, type: string, message: string];

/**
 * Each service's own words for a throttled call and for a failure on its side (a lost response is answered
 * as the latter): the error names the SDK's retry strategy classifies (`@smithy/service-error-classification`
 * lists ThrottlingException, Throttling and ProvisionedThroughputExceededException as throttling, and every
 * 5xx as transient).
 */
const ANSWERS: Record<string, { throttle: Answer; serverError: Answer }> = {
  // The common errors of the JSON protocol services (AWS API reference, "Common Errors").
  sagemaker: {
    throttle: [400, 'ThrottlingException', 'Rate exceeded'],
    serverError: [500, 'InternalFailure', 'We encountered an internal error. Please try again.'],
  },
  // CloudWatch keeps its query protocol's code: <Code>Throttling</Code>, "Rate exceeded" (AWS knowledge
  // center, "cloudwatch-400-error-throttling").
  cloudwatch: {
    throttle: [400, 'Throttling', 'Rate exceeded'],
    serverError: [
      500,
      'InternalFailure',
      'The request processing has failed because of an unknown error, exception or failure.',
    ],
  },
  // The ledger is an on-demand table: DynamoDB throttles its writes with ThrottlingException and this text
  // (botocore's DynamoDB model, TransactionCanceledException: "returned when writes get throttled on an
  // On-Demand table"); its 500 is the modelled InternalServerError.
  dynamodb: {
    throttle: [
      400,
      'ThrottlingException',
      'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html',
    ],
    serverError: [500, 'InternalServerError', 'Internal server error'],
  },
  // botocore's EventBridge model: ThrottlingException, and InternalException is PutEvents' only modelled error.
  eventbridge: {
    throttle: [400, 'ThrottlingException', 'Rate exceeded'],
    serverError: [500, 'InternalException', 'An internal error occurred. Please try again.'],
  },
};

/** The answer a faulted call gets, in its service's words. */
export function faultAnswer(service: string, fault: Fault): AwsApiError {
  const answers = ANSWERS[service] ?? ANSWERS.sagemaker!;
  const [status, type, message] = fault === 'throttle' ? answers.throttle : answers.serverError;
  return new AwsApiError(type, message, status);
}

/** A well-mixed hash of `text` mapped to [0, 1): FNV-1a 32-bit, then murmur3's finaliser for avalanche. */
export function unitInterval(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** A short, stable name for a long request part (a batch, an event's detail), for resource keys. */
export const digest = (text: string) =>
  Math.floor(unitInterval(text) * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
