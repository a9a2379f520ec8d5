/**
 * What a person's request may ask for: `caretaker.yml` `requests`, checked by `from-request` after the
 * request's own schema. Pure. Every issue names the request's field, the value and the limit, with the
 * `caretaker.yml` field that sets it, so `Request Rejected` says what may be asked instead (or whom to ask to
 * widen the limit). Without a `requests` section the limits are {@link DEFAULT_REQUEST_LIMITS}.
 */
import type { FieldIssue } from '../errors.ts';
import type { Strategy } from '../endpoint/request.ts';
import type { SettingsRequest } from '../notebook/request.ts';

export type SettingName = keyof SettingsRequest;

/** Per setting, the values a request may ask for; a setting left out may take any value its schema allows. */
export type AllowedSettings = { [K in SettingName]?: ReadonlyArray<NonNullable<SettingsRequest[K]>> };

export interface RequestLimits {
  settings: AllowedSettings;
  /** Ceilings on a patch request's policy. */
  maxConcurrency: number;
  maxErrors: number | string;
  /** Which endpoints a request may update (by name, or by tags they all carry) and with which strategies. */
  endpoints: { names?: string[]; tags?: Record<string, string>; strategies: Strategy[] };
}

export const ENDPOINT_STRATEGIES = [
  'all-at-once',
  'canary',
  'linear',
  'rolling',
] as const satisfies Strategy[];

/**
 * The limits of a deployment whose `caretaker.yml` has no `requests` section: nothing that weakens a
 * notebook (root access, IMDSv1), no lifecycle configuration attached (its scripts run as root with the
 * notebook's role), at most 50 notebooks down and a quarter of them failed.
 */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  settings: {
    rootAccess: ['Disabled'],
    minimumInstanceMetadataServiceVersion: ['2'],
    lifecycleConfigName: [],
    disassociateLifecycleConfig: [true],
  },
  maxConcurrency: 50,
  maxErrors: '25%',
  endpoints: { strategies: [...ENDPOINT_STRATEGIES] },
};

/** What a patch request asked for, as its detail carried it (before any default was filled in). */
export interface AskedPatch {
  settings?: Partial<Record<SettingName, unknown>> | undefined;
  policy?: { maxConcurrency?: unknown; maxErrors?: unknown; exemptTag?: unknown } | undefined;
}

const LIMITS_FILE = 'caretaker.yml';
const show = (value: unknown) => JSON.stringify(value);

type ErrorBudget = { count: number } | { percent: number };

function budgetOf(maxErrors: number | string): ErrorBudget {
  return typeof maxErrors === 'number' ? { count: maxErrors } : { percent: Number(maxErrors.slice(0, -1)) };
}

/** Whether an error budget stays within a ceiling without knowing how many notebooks the targets match. */
function withinBudget(asked: ErrorBudget, ceiling: ErrorBudget): boolean {
  const none = 'count' in asked ? asked.count === 0 : asked.percent === 0;
  if (none) return true;
  if ('count' in ceiling) return 'count' in asked && asked.count <= ceiling.count;
  return 'percent' in asked && asked.percent <= ceiling.percent;
}

/**
 * Every way a patch request goes beyond the limits; empty when it stays within them.
 *
 * @example patchRequestIssues({ settings: { rootAccess: 'Enabled' } }, DEFAULT_REQUEST_LIMITS)
 *   // → [{ field: 'detail.settings.rootAccess', message: 'got "Enabled", but caretaker.yml requests.settings.rootAccess allows only ["Disabled"]' }]
 */
export function patchRequestIssues(asked: AskedPatch, limits: RequestLimits): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(asked.settings ?? {})) {
    const allowed = limits.settings[name as SettingName] as readonly unknown[] | undefined;
    if (value === undefined || allowed === undefined || allowed.includes(value)) continue;
    issues.push({
      field: `detail.settings.${name}`,
      message:
        allowed.length === 0
          ? `got ${show(value)}, but ${LIMITS_FILE} requests.settings.${name} allows none: no request may set it`
          : `got ${show(value)}, but ${LIMITS_FILE} requests.settings.${name} allows only ${show(allowed)}`,
    });
  }
  const policy = asked.policy ?? {};
  if (policy.exemptTag !== undefined) {
    issues.push({
      field: 'detail.policy.exemptTag',
      message: `got ${show(policy.exemptTag)}, but the exempt tag is the deployment's (${LIMITS_FILE} defaults.policy.exemptTag); a request may not set it`,
    });
  }
  if (typeof policy.maxConcurrency === 'number' && policy.maxConcurrency > limits.maxConcurrency) {
    issues.push({
      field: 'detail.policy.maxConcurrency',
      message: `got ${policy.maxConcurrency}, above the ceiling of ${limits.maxConcurrency} (${LIMITS_FILE} requests.maxConcurrency)`,
    });
  }
  if (typeof policy.maxErrors === 'number' || typeof policy.maxErrors === 'string') {
    const ceiling = budgetOf(limits.maxErrors);
    if (!withinBudget(budgetOf(policy.maxErrors), ceiling)) {
      const expected =
        'count' in ceiling
          ? `a count of at most ${ceiling.count}`
          : `a percentage of at most ${ceiling.percent}%`;
      issues.push({
        field: 'detail.policy.maxErrors',
        message: `got ${show(policy.maxErrors)}, above the ceiling of ${show(limits.maxErrors)} (${LIMITS_FILE} requests.maxErrors); expected ${expected}`,
      });
    }
  }
  return issues;
}

/**
 * The policy values a request left out, within the ceilings: the usual defaults (10 at once, 10% errors)
 * unless a ceiling is lower. `maxErrors` under a count ceiling is that count.
 *
 * @example policyDefaults({ ...DEFAULT_REQUEST_LIMITS, maxConcurrency: 4 }) // → { maxConcurrency: 4, maxErrors: '10%' }
 */
export function policyDefaults(limits: RequestLimits): {
  maxConcurrency: number;
  maxErrors: number | string;
} {
  const ceiling = budgetOf(limits.maxErrors);
  return {
    maxConcurrency: Math.min(10, limits.maxConcurrency),
    maxErrors: 'count' in ceiling ? ceiling.count : `${Math.min(10, ceiling.percent)}%`,
  };
}

/**
 * Every way an endpoint update request goes beyond the limits. `tags` are the endpoint's, needed only when
 * the limits select endpoints by tags.
 *
 * @example endpointRequestIssues({ endpointName: 'ep-9', strategy: 'canary' }, { ...DEFAULT_REQUEST_LIMITS, endpoints: { names: ['ep-1'], strategies: ['canary'] } })
 *   // → [{ field: 'detail.endpointName', message: 'got "ep-9", but caretaker.yml requests.endpoints.names allows only ["ep-1"]' }]
 */
export function endpointRequestIssues(
  asked: { endpointName: string; strategy: Strategy },
  limits: RequestLimits,
  tags: Readonly<Record<string, string>> = {},
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { names, tags: wanted, strategies } = limits.endpoints;
  if (names && !names.includes(asked.endpointName)) {
    issues.push({
      field: 'detail.endpointName',
      message: `got ${show(asked.endpointName)}, but ${LIMITS_FILE} requests.endpoints.names allows only ${show(names)}`,
    });
  }
  if (wanted) {
    const missing = Object.entries(wanted).filter(([key, value]) => tags[key] !== value);
    if (missing.length > 0) {
      issues.push({
        field: 'detail.endpointName',
        message: `endpoint ${show(asked.endpointName)} is not tagged ${show(Object.fromEntries(missing))}, which ${LIMITS_FILE} requests.endpoints.tags asks of every endpoint a request updates`,
      });
    }
  }
  if (!strategies.includes(asked.strategy)) {
    issues.push({
      field: 'detail.deployment.strategy',
      message: `got ${show(asked.strategy)}, but ${LIMITS_FILE} requests.endpoints.strategies allows only ${show(strategies)}`,
    });
  }
  return issues;
}
