/**
 * The parts of `caretaker.yml`'s model that reach the Lambda functions: its modes and finding actions, the
 * `requests` and `exemptions` sections, the resolved configuration's shape, and the request limits a
 * `requests` section gives. The triggers read them from their settings (JSON in their environment,
 * `settings.ts`); reading the file itself (YAML, cron checks: `caretaker-config.ts`) stays out of every
 * bundle.
 */
import * as z from 'zod/mini';
import { settingsRequestSchema } from '../notebook/request.ts';
import {
  DEFAULT_REQUEST_LIMITS,
  ENDPOINT_STRATEGIES,
  type AllowedSettings,
  type RequestLimits,
} from './request-limits.ts';

/** The exempt tag of a deployment whose caretaker.yml names none. */
export const DEFAULT_EXEMPT_TAG = 'caretaker:exempt';

/**
 * `mode`: `act` carries windows and findings out; `observe` changes nothing on its own: every window (the
 * schedules' and the audit's) runs as a dry run and reports its plan, and findings become `Finding Noted`
 * events. A caretaker.yml that does not say is `observe`: a first deployment only shows what it would do.
 */
export const MODES = ['observe', 'act'] as const;
export type Mode = (typeof MODES)[number];
export const DEFAULT_MODE: Mode = 'observe';

/**
 * A patch group's `findings`: what a Security Hub or Config finding about one of its notebooks does (in `act`
 * mode). `immediate` patches it now; `next-window` queues the settings in the ledger for the group's next
 * window, which applies them; `report-only` notes the finding and changes nothing.
 */
export const FINDING_ACTIONS = ['immediate', 'next-window', 'report-only'] as const;
export type FindingAction = (typeof FINDING_ACTIONS)[number];
export const DEFAULT_FINDING_ACTION: FindingAction = 'immediate';

export const maxErrorsSchema = z.union(
  [z.int().check(z.gte(0)), z.string().check(z.regex(/^(100|[1-9]?[0-9])%$/))],
  'expected a count (0, 1, 2, …) or a percentage such as "10%"',
);

const settingShape = settingsRequestSchema.shape;
/** The values a request may ask for one setting: a list of what the setting's own schema accepts. */
const allowed = <T extends z.core.SomeType>(setting: z.ZodMiniOptional<T>) =>
  z.optional(z.array(setting.def.innerType, 'expected the list of values a request may ask for ([] = none)'));

const endpointNameSchema = z
  .string()
  .check(
    z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'expected an endpoint name (letters, digits, hyphens)'),
    z.maxLength(63),
  );

/** `requests`: what a person's request may ask for; each key left out keeps its default. */
export const requestsSchema = z.strictObject({
  settings: z.optional(
    z.strictObject({
      lifecycleConfigName: allowed(settingShape.lifecycleConfigName),
      disassociateLifecycleConfig: allowed(settingShape.disassociateLifecycleConfig),
      instanceType: allowed(settingShape.instanceType),
      rootAccess: allowed(settingShape.rootAccess),
      volumeSizeInGB: allowed(settingShape.volumeSizeInGB),
      minimumInstanceMetadataServiceVersion: allowed(settingShape.minimumInstanceMetadataServiceVersion),
      platformIdentifier: allowed(settingShape.platformIdentifier),
    }),
  ),
  maxConcurrency: z.optional(z.int('expected a whole number').check(z.gte(1), z.lte(1000))),
  maxErrors: z.optional(maxErrorsSchema),
  endpoints: z.optional(
    z
      .strictObject({
        names: z.optional(
          z.array(endpointNameSchema).check(z.minLength(1, 'expected at least one endpoint name')),
        ),
        tags: z.optional(
          z
            .record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256)))
            .check(z.refine((t) => Object.keys(t).length > 0, 'expected at least one tag')),
        ),
        strategies: z.optional(
          z
            .array(z.enum(ENDPOINT_STRATEGIES, `expected one of ${ENDPOINT_STRATEGIES.join(', ')}`))
            .check(z.minLength(1, 'expected at least one strategy')),
        ),
      })
      .check(z.refine((e) => !(e.names && e.tags), 'expected names or tags, not both')),
  ),
});

/** `exemptions`: the Security Hub controls whose remediation patches exempt notebooks too. */
export const exemptionsSchema = z.strictObject({
  neverCover: z.optional(
    z.array(
      z
        .string()
        .check(z.regex(/^SageMaker\.[0-9]+$/, 'expected a Security Hub control id such as SageMaker.3')),
    ),
  ),
});

/** The controls an exemption never covers when `caretaker.yml` does not say: root access. */
export const DEFAULT_NEVER_COVERED = ['SageMaker.3'];

export interface PatchGroup {
  name: string;
  targets: { names: string[] } | { tags: Record<string, string> };
  schedule: {
    cron: string;
    timezone: string;
    flexibleWindowMinutes: number;
    /** The same schedule as EventBridge Scheduler's `cron(…)` expression. */
    expression: string;
  };
  policy: { maxConcurrency: number; maxErrors: number | string; exemptTag: string; includeStopped: boolean };
  settings: z.output<typeof settingsRequestSchema>;
  maxDaysWithoutRestart: number;
  auditStartsPatch: boolean;
  /** Set = opted in to moving notebooks to this platform when SageMaker.8 fails. */
  targetPlatform?: string;
  /** What a finding about one of its notebooks does in `act` mode. */
  findings: FindingAction;
}

export interface CaretakerConfig {
  /** `observe`: windows are dry runs and findings are noted; `act`: caretaker carries them out. */
  mode: Mode;
  patchGroups: PatchGroup[];
  /** The IAM principals that may put `caretaker.requests` events on the bus; none by default. */
  requesters: string[];
  /** What a request may ask for. */
  requests: RequestLimits;
  /** The deployment's exempt tag (`defaults.policy.exemptTag`): requests may not choose another. */
  exemptTag: string;
  /** Controls whose remediation patches exempt notebooks too. */
  neverCovered: string[];
}

/**
 * The request limits a `requests` section gives, each key left out taking its default.
 *
 * @example resolveRequestLimits({ maxConcurrency: 20 }).settings.rootAccess // → ['Disabled']
 */
export function resolveRequestLimits(requests: z.output<typeof requestsSchema> = {}): RequestLimits {
  const limits: RequestLimits = {
    settings: { ...DEFAULT_REQUEST_LIMITS.settings, ...(requests.settings as AllowedSettings | undefined) },
    maxConcurrency: requests.maxConcurrency ?? DEFAULT_REQUEST_LIMITS.maxConcurrency,
    maxErrors: requests.maxErrors ?? DEFAULT_REQUEST_LIMITS.maxErrors,
    endpoints: {
      strategies: requests.endpoints?.strategies ?? DEFAULT_REQUEST_LIMITS.endpoints.strategies,
    },
  };
  if (requests.endpoints?.names) limits.endpoints.names = requests.endpoints.names;
  if (requests.endpoints?.tags) limits.endpoints.tags = requests.endpoints.tags;
  return limits;
}
