import * as z from 'zod/mini';
import { executionNameSchema, parseOrThrow } from '../validation.ts';
import { settingsRequestSchema } from './settings-schema.ts';

// The triggers start workflows with these (the only notebook module they may import).
export {
  mergeQueued,
  readQueued,
  settingsRequestSchema,
  type QueuedSettings,
  type SettingsRequest,
} from './settings-schema.ts';

export const notebookNameSchema = z
  .string()
  .check(
    z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'expected a notebook instance name (letters, digits, hyphens)'),
    z.maxLength(63),
  );

export const targetsSchema = z.union(
  [
    z.strictObject({
      names: z
        .array(notebookNameSchema)
        .check(z.minLength(1, 'expected at least one name'), z.maxLength(10_000)),
    }),
    z.strictObject({
      tags: z
        .record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256)))
        .check(z.refine((t) => Object.keys(t).length > 0, 'expected at least one tag')),
    }),
  ],
  'expected either {names: [...]} or {tags: {key: value}}',
);

const MAX_ERRORS_EXPECTED = 'expected a count (0, 1, 2, …) or a percentage from 0% to 100% such as "10%"';
const maxErrorsSchema = z.union(
  [
    z.int(MAX_ERRORS_EXPECTED).check(z.gte(0, MAX_ERRORS_EXPECTED)),
    z.string().check(z.regex(/^(100|[1-9]?[0-9])%$/, MAX_ERRORS_EXPECTED)),
  ],
  MAX_ERRORS_EXPECTED,
);

const seconds = (min: number, max: number, byDefault: number) =>
  z._default(z.int().check(z.gte(min), z.lte(max)), byDefault);

export const policySchema = z.strictObject({
  maxConcurrency: z._default(z.int('expected a whole number').check(z.gte(1), z.lte(1000)), 10),
  maxErrors: z._default(maxErrorsSchema, '10%'),
  exemptTag: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'caretaker:exempt'),
  includeStopped: z._default(z.boolean(), true),
  /**
   * Set by the finding triggers when every control they remediate is one that exemptions never cover
   * (`caretaker.yml` `exemptions.neverCover`, default SageMaker.3): exempt notebooks are patched too. A
   * person's request cannot set it (`Notebook Patch Requested` has no such field).
   */
  overridesExemption: z._default(z.boolean(), false),
  dryRun: z._default(z.boolean(), false),
  /** No notebook is stopped after this time (ISO 8601); running cycles finish. */
  deadline: z.optional(z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time' })),
  /** How long a stop and a start usually take here: the first poll comes then, later ones every 30 s. */
  expectedStopSeconds: seconds(10, 1800, 90),
  expectedStartSeconds: seconds(10, 1800, 300),
  /** A notebook still `Stopping`/`Pending` after this long is given up on and reported. */
  stopTimeoutSeconds: seconds(60, 7200, 900),
  startTimeoutSeconds: seconds(60, 7200, 1200),
});

export const patchRequestSchema = z.strictObject({
  requestId: executionNameSchema,
  reason: z.enum(['schedule', 'finding', 'request', 'audit']),
  source: z.looseObject({
    kind: z.string().check(z.minLength(1)),
    id: z.optional(z.string()),
    requestedBy: z.optional(z.string()),
  }),
  targets: targetsSchema,
  settings: z._default(settingsRequestSchema, {}),
  policy: z._default(policySchema, z.parse(policySchema, {})),
});

export type PatchRequest = z.output<typeof patchRequestSchema>;
export type PatchPolicy = z.output<typeof policySchema>;

/** Validates a patch request (the notebook-patch workflow's input); throws naming every bad field. */
export function parsePatchRequest(input: unknown): PatchRequest {
  return parseOrThrow(patchRequestSchema, input);
}

/**
 * How many notebooks may end badly before the window stops admitting new ones.
 *
 * @example toleratedFailures('10%', 12) // → 1
 */
export function toleratedFailures(maxErrors: number | string, notebooks: number): number {
  if (typeof maxErrors === 'number') return maxErrors;
  return Math.floor((Number(maxErrors.slice(0, -1)) / 100) * notebooks);
}
