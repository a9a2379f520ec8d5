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
  DEFAULT_EXEMPT_TAG,
  DEFAULT_FINDING_ACTION,
  DEFAULT_MODE,
  DEFAULT_NEVER_COVERED,
  exemptionsSchema,
  FINDING_ACTIONS,
  maxErrorsSchema,
  MODES,
  requestsSchema,
  resolveRequestLimits,
  type CaretakerConfig,
  type PatchGroup,
} from './config-sections.ts';
import { cronProblem, isTimeZone, toSchedulerExpression } from './schedule.ts';
import { toFieldIssues } from '../validation.ts';

export type { CaretakerConfig, Mode, PatchGroup } from './config-sections.ts';

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

const policySchema = z.strictObject({
  maxConcurrency: z.int('expected a whole number').min(1).max(1000).optional(),
  maxErrors: z.optional(maxErrorsSchema),
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
  settings: z.optional(settingsRequestSchema),
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
  requests: z.optional(requestsSchema),
  exemptions: z.optional(exemptionsSchema),
});

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
