/**
 * What the event-driven triggers (`from-request`, `from-finding`, `from-config`) know of `caretaker.yml`:
 * what a request may ask for, the deployment's exempt tag, the controls an exemption never covers, and each
 * patch group's targets, exempt tag and target platform (a finding about a notebook is remediated as its
 * group says). The deployment writes them into the functions' environment from the file, as it writes the
 * schedules' inputs; the sandbox does the same from its `--config`. No function reads the file.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { targetsSchema } from '../notebook/request.ts';
import { toFieldIssues } from '../validation.ts';
import {
  DEFAULT_EXEMPT_TAG,
  DEFAULT_FINDING_ACTION,
  DEFAULT_NEVER_COVERED,
  exemptionsSchema,
  FINDING_ACTIONS,
  MODES,
  type FindingAction,
  type Mode,
  requestsSchema,
  resolveRequestLimits,
  type CaretakerConfig,
  type PatchGroup,
} from './config-sections.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './request-limits.ts';

export const TRIGGER_SETTINGS_VARIABLE = 'CARETAKER_TRIGGER_SETTINGS';

/**
 * A patch group as the finding triggers need it: who belongs, what exempts, which platform it moves to, what
 * a finding does, and when its next window is (a queued finding says so).
 */
export interface GroupFacts {
  name: string;
  targets: PatchGroup['targets'];
  exemptTag: string;
  targetPlatform?: string;
  findings: FindingAction;
  schedule?: { cron: string; timezone: string };
}

export interface TriggerSettings {
  mode: Mode;
  exemptTag: string;
  neverCovered: string[];
  requests: RequestLimits;
  groups: GroupFacts[];
}

/**
 * A deployment with no such variable behaves as a `caretaker.yml` with no groups and no limits of its own,
 * acting as deployments did before `mode` existed (packaging always writes the variable, with the mode).
 */
export const DEFAULT_TRIGGER_SETTINGS: TriggerSettings = {
  mode: 'act',
  exemptTag: DEFAULT_EXEMPT_TAG,
  neverCovered: DEFAULT_NEVER_COVERED,
  requests: DEFAULT_REQUEST_LIMITS,
  groups: [],
};

/**
 * The triggers' settings from a resolved configuration.
 *
 * @example triggerSettings(config).groups.find((g) => g.name === 'monthly-research')?.targetPlatform // → 'notebook-al2023-v1'
 */
export function triggerSettings(config: CaretakerConfig): TriggerSettings {
  return {
    mode: config.mode,
    exemptTag: config.exemptTag,
    neverCovered: config.neverCovered,
    requests: config.requests,
    groups: config.patchGroups.map((group) => ({
      name: group.name,
      targets: group.targets,
      exemptTag: group.policy.exemptTag,
      ...(group.targetPlatform ? { targetPlatform: group.targetPlatform } : {}),
      findings: group.findings,
      schedule: { cron: group.schedule.cron, timezone: group.schedule.timezone },
    })),
  };
}

/** The environment variables that carry the settings to a trigger function. */
export function triggerEnvironment(config: CaretakerConfig): Record<string, string> {
  return { [TRIGGER_SETTINGS_VARIABLE]: JSON.stringify(triggerSettings(config)) };
}

const settingsSchema = z.strictObject({
  // Settings written before modes existed have none: that deployment acted.
  mode: z._default(z.enum(MODES), 'act'),
  exemptTag: z.string().check(z.minLength(1), z.maxLength(128)),
  neverCovered: exemptionsSchema.shape.neverCover.def.innerType,
  requests: requestsSchema,
  groups: z.array(
    z.strictObject({
      name: z.string().check(z.minLength(1)),
      targets: targetsSchema,
      exemptTag: z.string().check(z.minLength(1), z.maxLength(128)),
      targetPlatform: z.optional(z.string()),
      findings: z._default(z.enum(FINDING_ACTIONS), DEFAULT_FINDING_ACTION),
      // Absent from settings written before findings could wait for a window.
      schedule: z.optional(z.strictObject({ cron: z.string(), timezone: z.string() })),
    }),
  ),
});

/**
 * Reads the settings from a function's environment; a malformed value fails at cold start, naming the
 * variable and the field.
 */
export function readTriggerSettings(env: NodeJS.ProcessEnv): TriggerSettings {
  const raw = env[TRIGGER_SETTINGS_VARIABLE];
  if (raw === undefined || raw === '') return DEFAULT_TRIGGER_SETTINGS;
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError(
      [{ field: TRIGGER_SETTINGS_VARIABLE, message: `is not JSON (${(cause as Error).message})` }],
      { cause },
    );
  }
  const result = z.safeParse(settingsSchema, input);
  if (!result.success)
    throw new ValidationError(toFieldIssues(result.error, input, TRIGGER_SETTINGS_VARIABLE));
  const { groups, requests, ...rest } = result.data;
  return {
    ...rest,
    requests: resolveRequestLimits(requests),
    groups: groups.map(({ targetPlatform, schedule, ...group }) => ({
      ...group,
      ...(targetPlatform ? { targetPlatform } : {}),
      ...(schedule ? { schedule } : {}),
    })),
  };
}
