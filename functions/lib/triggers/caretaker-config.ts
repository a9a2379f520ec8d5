/**
 * `caretaker.yml`: patch groups, their schedules and policies, who may send requests (`requesters`), what a
 * request may ask for (`requests`) and what an exemption never covers (`exemptions`). Validated strictly;
 * every error names the file, the field, the value found and what was expected. The deployment (schedules,
 * the bus policy, the triggers' settings), the triggers and the sandbox all read the same resolved
 * {@link CaretakerConfig}.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { settingsRequestSchema, targetsSchema } from '../notebook/request.ts';
import {
  DEFAULT_REQUEST_LIMITS,
  ENDPOINT_STRATEGIES,
  type AllowedSettings,
  type RequestLimits,
} from './request-limits.ts';
import { cronProblem, isTimeZone, toSchedulerExpression } from './schedule.ts';
import { toFieldIssues } from '../validation.ts';

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

const BUILT_IN = {
  flexibleWindowMinutes: 0,
  maxDaysWithoutRestart: 30,
  auditStartsPatch: false,
  policy: {
    maxConcurrency: 10,
    maxErrors: '10%' as number | string,
    exemptTag: DEFAULT_EXEMPT_TAG,
    includeStopped: true,
  },
};

const timezoneSchema = z
  .string()
  .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or America/New_York');

const cronSchema = z.string().superRefine((cron, ctx) => {
  const problem = cronProblem(cron);
  if (problem)
    ctx.addIssue({
      code: 'custom',
      message: `expected a 5-field cron usable by EventBridge Scheduler: ${problem}`,
    });
});

const maxErrorsSchema = z.union(
  [z.int().min(0), z.string().regex(/^(100|[1-9]?[0-9])%$/)],
  'expected a count (0, 1, 2, …) or a percentage such as "10%"',
);

const policySchema = z.strictObject({
  maxConcurrency: z.int('expected a whole number').min(1).max(1000).optional(),
  maxErrors: maxErrorsSchema.optional(),
  exemptTag: z.string().min(1).max(128).optional(),
  includeStopped: z.boolean().optional(),
});

/** Scheduler's flexible window: 0 = off, else 1–1440 minutes. */
const flexibleWindowSchema = z.int('expected a whole number of minutes').min(0).max(1440);
const maxDaysSchema = z.int('expected a whole number of days').min(1).max(3650);

const groupSchema = z.strictObject({
  // The name ends up in schedule names and in `<group>-<yyyymmddThhmmZ>` execution names (≤ 80).
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/,
      'expected 1–40 letters, digits, "-" or "_", starting with a letter or digit',
    ),
  targets: targetsSchema,
  schedule: z.strictObject({
    cron: cronSchema,
    timezone: timezoneSchema.optional(),
    flexibleWindowMinutes: flexibleWindowSchema.optional(),
  }),
  policy: policySchema.optional(),
  settings: settingsRequestSchema.optional(),
  maxDaysWithoutRestart: maxDaysSchema.optional(),
  auditStartsPatch: z.boolean().optional(),
  targetPlatform: z
    .string()
    .regex(/^notebook-al[0-9]+-v[0-9]+$/, 'expected a platform identifier such as notebook-al2023-v1')
    .optional(),
  findings: z.enum(FINDING_ACTIONS, `expected one of ${FINDING_ACTIONS.join(', ')}`).optional(),
});

/**
 * An IAM role or user. A trailing `*` matches name suffixes: IAM Identity Center names its roles
 * `AWSReservedSSO_<permission set>_<random suffix>`.
 */
const principalArnSchema = z
  .string()
  .regex(
    /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/([\w+=,.@-]+\/)*[\w+=,.@-]+\*?$/,
    'expected an IAM role or user ARN such as arn:aws:iam::111122223333:role/SecurityTeam (a trailing * matches the end of the name)',
  );

const settingShape = settingsRequestSchema.shape;
const allowed = <T extends z.ZodType>(value: T) =>
  z.array(value, 'expected the list of values a request may ask for ([] = none)');

const endpointNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'expected an endpoint name (letters, digits, hyphens)')
  .max(63);

/** `requests`: what a person's request may ask for; each key left out keeps its default. */
export const requestsSchema = z.strictObject({
  settings: z
    .strictObject({
      lifecycleConfigName: allowed(settingShape.lifecycleConfigName.unwrap()).optional(),
      disassociateLifecycleConfig: allowed(settingShape.disassociateLifecycleConfig.unwrap()).optional(),
      instanceType: allowed(settingShape.instanceType.unwrap()).optional(),
      rootAccess: allowed(settingShape.rootAccess.unwrap()).optional(),
      volumeSizeInGB: allowed(settingShape.volumeSizeInGB.unwrap()).optional(),
      minimumInstanceMetadataServiceVersion: allowed(
        settingShape.minimumInstanceMetadataServiceVersion.unwrap(),
      ).optional(),
      platformIdentifier: allowed(settingShape.platformIdentifier.unwrap()).optional(),
    })
    .optional(),
  maxConcurrency: z.int('expected a whole number').min(1).max(1000).optional(),
  maxErrors: maxErrorsSchema.optional(),
  endpoints: z
    .strictObject({
      names: z.array(endpointNameSchema).min(1, 'expected at least one endpoint name').optional(),
      tags: z
        .record(z.string().min(1).max(128), z.string().max(256))
        .refine((t) => Object.keys(t).length > 0, 'expected at least one tag')
        .optional(),
      strategies: z
        .array(z.enum(ENDPOINT_STRATEGIES, `expected one of ${ENDPOINT_STRATEGIES.join(', ')}`))
        .min(1, 'expected at least one strategy')
        .optional(),
    })
    .refine((e) => !(e.names && e.tags), 'expected names or tags, not both')
    .optional(),
});

/** `exemptions`: the Security Hub controls whose remediation patches exempt notebooks too. */
export const exemptionsSchema = z.strictObject({
  neverCover: z
    .array(z.string().regex(/^SageMaker\.[0-9]+$/, 'expected a Security Hub control id such as SageMaker.3'))
    .optional(),
});

/** The controls an exemption never covers when `caretaker.yml` does not say: root access. */
export const DEFAULT_NEVER_COVERED = ['SageMaker.3'];

const configSchema = z.strictObject({
  mode: z.enum(MODES, `expected observe (change nothing, report what would be done) or act`).optional(),
  defaults: z
    .strictObject({
      timezone: timezoneSchema.optional(),
      flexibleWindowMinutes: flexibleWindowSchema.optional(),
      maxDaysWithoutRestart: maxDaysSchema.optional(),
      auditStartsPatch: z.boolean().optional(),
      policy: policySchema.optional(),
    })
    .optional(),
  patchGroups: z.array(groupSchema).min(1, 'expected at least one patch group'),
  requesters: z.array(principalArnSchema, 'expected a list of IAM role or user ARNs').optional(),
  requests: requestsSchema.optional(),
  exemptions: exemptionsSchema.optional(),
});

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

function fail(fileName: string, issues: FieldIssue[]): never {
  const error = new ValidationError(issues, { resource: fileName });
  error.message = `${fileName}: ${error.message}`;
  throw error;
}

/**
 * Parses and resolves a caretaker configuration (YAML). Defaults fill what a group leaves out: first the
 * file's `defaults`, then caretaker's own.
 *
 * @example parseConfig(readFileSync('caretaker.yml', 'utf8'), 'caretaker.yml').patchGroups[0]?.schedule.expression
 *   // → 'cron(0 3 ? * SUN *)'
 */
export function parseConfig(text: string, fileName: string): CaretakerConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    fail(
      fileName,
      document.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { field: `line ${line}, column ${col}`, message: `${e.message}; expected valid YAML` };
      }),
    );
  }
  const input: unknown = document.toJS();
  const result = configSchema.safeParse(input);
  if (!result.success) fail(fileName, toFieldIssues(result.error, input));
  const {
    mode = DEFAULT_MODE,
    defaults = {},
    patchGroups,
    requesters = [],
    requests,
    exemptions,
  } = result.data;

  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  const groups = patchGroups.map((group, i): PatchGroup => {
    if (seen.has(group.name)) {
      issues.push({
        field: `patchGroups[${i}].name`,
        message: `got ${JSON.stringify(group.name)}, expected a name no other group uses`,
      });
    }
    seen.add(group.name);
    const timezone = group.schedule.timezone ?? defaults.timezone;
    if (timezone === undefined) {
      issues.push({
        field: `patchGroups[${i}].schedule.timezone`,
        message: 'got nothing, expected an IANA time zone (here or in defaults.timezone)',
      });
    }
    const resolved: PatchGroup = {
      name: group.name,
      targets: group.targets,
      schedule: {
        cron: group.schedule.cron,
        timezone: timezone ?? 'UTC',
        flexibleWindowMinutes:
          group.schedule.flexibleWindowMinutes ??
          defaults.flexibleWindowMinutes ??
          BUILT_IN.flexibleWindowMinutes,
        expression: toSchedulerExpression(group.schedule.cron),
      },
      policy: { ...BUILT_IN.policy, ...defaults.policy, ...group.policy },
      settings: group.settings ?? {},
      maxDaysWithoutRestart:
        group.maxDaysWithoutRestart ?? defaults.maxDaysWithoutRestart ?? BUILT_IN.maxDaysWithoutRestart,
      auditStartsPatch: group.auditStartsPatch ?? defaults.auditStartsPatch ?? BUILT_IN.auditStartsPatch,
      findings: group.findings ?? DEFAULT_FINDING_ACTION,
    };
    if (group.targetPlatform !== undefined) resolved.targetPlatform = group.targetPlatform;
    return resolved;
  });
  if (issues.length > 0) fail(fileName, issues);
  return {
    mode,
    patchGroups: groups,
    requesters,
    requests: resolveRequestLimits(requests),
    exemptTag: defaults.policy?.exemptTag ?? BUILT_IN.policy.exemptTag,
    neverCovered: exemptions?.neverCover ?? DEFAULT_NEVER_COVERED,
  };
}

/** Reads and parses a caretaker configuration file; see {@link parseConfig}. */
export function loadConfig(path: string): CaretakerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const error = new ValidationError(
      [{ field: '(file)', message: `cannot be read (${(cause as Error).message}); expected a YAML file` }],
      {
        resource: path,
        cause,
      },
    );
    error.message = `${path}: ${error.message}`;
    throw error;
  }
  return parseConfig(text, path);
}
