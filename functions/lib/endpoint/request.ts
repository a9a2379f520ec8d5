import * as z from 'zod/mini';
import { executionNameSchema, parseOrThrow } from '../validation.ts';

/**
 * The `Endpoint Update Requested` detail and the endpoint-update workflow's input (the same document plus
 * the `requestId` the trigger adds). Every limit UpdateEndpoint enforces is checked here, so a request
 * SageMaker would refuse is refused before anything changes, with the field, the value and the limit. The
 * limits that depend on the endpoint (an instance count against the variant's size) are checked in
 * preflight, where the configuration is known.
 */

const resourceName = (what: string) =>
  z
    .string(`expected the ${what}`)
    .check(
      z.maxLength(63, `expected the ${what} (at most 63 characters)`),
      z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, `expected the ${what} (letters, digits and hyphens)`),
    );

const whole = (what: string, min: number, max: number) =>
  z
    .int(`expected ${what}, a whole number from ${min} to ${max}`)
    .check(
      z.gte(min, `expected ${what} from ${min} to ${max}`),
      z.lte(max, `expected ${what} from ${min} to ${max}`),
    );

export const CAPACITY_PERCENT = 'CAPACITY_PERCENT';
export const INSTANCE_COUNT = 'INSTANCE_COUNT';

/**
 * A canary, linear step or rolling batch: a share of the variant's capacity or a number of instances.
 * `percent` is the API's range for CAPACITY_PERCENT; an INSTANCE_COUNT is bounded by the same share of the
 * variant's instance count, which only preflight knows.
 */
const capacitySize = (what: string, percent: { min: number; max: number }) =>
  z
    .strictObject({
      type: z.enum([CAPACITY_PERCENT, INSTANCE_COUNT], `expected ${CAPACITY_PERCENT} or ${INSTANCE_COUNT}`),
      value: z
        .int(`expected the ${what} as a whole number`)
        .check(z.gte(1, `expected a ${what} of at least 1`)),
    })
    .check(
      z.superRefine((size, ctx) => {
        if (size.type === CAPACITY_PERCENT && (size.value < percent.min || size.value > percent.max)) {
          ctx.addIssue({
            code: 'custom',
            path: ['value'],
            message: `expected a ${what} from ${percent.min}% to ${percent.max}% of capacity`,
          });
        }
      }),
    );

export type CapacitySize = z.output<ReturnType<typeof capacitySize>>;

const waitIntervalSeconds = whole('a wait between traffic steps in seconds', 0, 3600);
const terminationWaitSeconds = whole('a termination wait in seconds', 0, 3600);
const maximumExecutionTimeoutSeconds = whole('a deployment timeout in seconds', 600, 28_800);

/** Limits from the UpdateEndpoint API reference (DeploymentConfig). */
export const LIMITS = {
  canaryPercent: { min: 1, max: 50 },
  linearPercent: { min: 10, max: 50 },
  rollingPercent: { min: 5, max: 50 },
  rollbackBatchPercent: { min: 5, max: 100 },
} as const;

const blueGreenTimings = {
  terminationWaitSeconds: z.optional(terminationWaitSeconds),
  maximumExecutionTimeoutSeconds: z.optional(maximumExecutionTimeoutSeconds),
};

export const deploymentSchema = z.discriminatedUnion(
  'strategy',
  [
    z.strictObject({
      strategy: z.literal('all-at-once'),
      waitIntervalSeconds: z._default(waitIntervalSeconds, 0),
      ...blueGreenTimings,
    }),
    z.strictObject({
      strategy: z.literal('canary'),
      canarySize: capacitySize('canary size', LIMITS.canaryPercent),
      waitIntervalSeconds: z._default(waitIntervalSeconds, 300),
      ...blueGreenTimings,
    }),
    z.strictObject({
      strategy: z.literal('linear'),
      linearStepSize: capacitySize('linear step size', LIMITS.linearPercent),
      waitIntervalSeconds: z._default(waitIntervalSeconds, 300),
      ...blueGreenTimings,
    }),
    z.strictObject({
      strategy: z.literal('rolling'),
      maximumBatchSize: capacitySize('batch size', LIMITS.rollingPercent),
      rollbackMaximumBatchSize: z.optional(capacitySize('rollback batch size', LIMITS.rollbackBatchPercent)),
      waitIntervalSeconds: z._default(waitIntervalSeconds, 300),
      maximumExecutionTimeoutSeconds: z.optional(maximumExecutionTimeoutSeconds),
    }),
  ],
  { error: 'expected strategy all-at-once, canary, linear or rolling' },
);

export type Deployment = z.output<typeof deploymentSchema>;
export type Strategy = Deployment['strategy'];

export const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'inconclusive'] as const;
export type TreatMissingDataAs = (typeof TREAT_MISSING_DATA)[number];

const alarmName = z
  .string('expected a CloudWatch alarm name')
  .check(
    z.minLength(1, 'expected a CloudWatch alarm name'),
    z.maxLength(255, 'expected an alarm name of at most 255 characters'),
  );

const detailShape = {
  endpointName: resourceName('endpoint name'),
  targetEndpointConfigName: resourceName('endpoint configuration name'),
  deployment: deploymentSchema,
  alarms: z.array(alarmName, 'expected a list of 1 to 10 alarm names').check(
    z.minLength(1, 'expected 1 to 10 alarm names (SageMaker rolls back on them; the bake watches them)'),
    z.maxLength(10, 'expected 1 to 10 alarm names (the AutoRollbackConfiguration limit)'),
    z.refine((names) => new Set(names).size === names.length, 'expected each alarm once'),
  ),
  /** How long caretaker watches the alarms after SageMaker's own deployment has ended. */
  bakeSeconds: z._default(whole('a bake time in seconds', 0, 86_400), 600),
  /** How many of this endpoint's configurations to keep; the live one and the rollback target always stay. */
  retainConfigs: z._default(whole('a number of configurations to keep', 1, 100), 3),
  /** What an alarm in INSUFFICIENT_DATA (no traffic) means for the bake. */
  treatMissingDataAs: z._default(
    z.enum(TREAT_MISSING_DATA, `expected one of ${TREAT_MISSING_DATA.join(', ')}`),
    'inconclusive',
  ),
  requestedBy: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  reason: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
};

export const endpointUpdateDetailSchema = z.strictObject(detailShape);
export const endpointUpdateRequestSchema = z.strictObject({ requestId: executionNameSchema, ...detailShape });

export type EndpointUpdateDetail = z.output<typeof endpointUpdateDetailSchema>;
export type EndpointUpdateRequest = z.output<typeof endpointUpdateRequestSchema>;

/**
 * Validates an `Endpoint Update Requested` detail and fills in the defaults; throws a ValidationError that
 * lists every bad field.
 *
 * @example parseEndpointUpdateRequest({ endpointName: 'ep-1', targetEndpointConfigName: 'cfg-v2',
 *   deployment: { strategy: 'canary', canarySize: { type: 'CAPACITY_PERCENT', value: 25 } },
 *   alarms: ['caretaker-ep-1-5xx'] }).bakeSeconds // → 600
 */
export function parseEndpointUpdateRequest(detail: unknown): EndpointUpdateDetail {
  return parseOrThrow(endpointUpdateDetailSchema, detail, 'detail');
}

/** Validates the endpoint-update workflow's input: the detail plus the `requestId` (the execution name). */
export function parseEndpointUpdateInput(input: unknown): EndpointUpdateRequest {
  return parseOrThrow(endpointUpdateRequestSchema, input);
}
