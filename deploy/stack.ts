/**
 * Everything serverless.yml includes from `.build/`, built from the files that define caretaker: the
 * handlers (functions and their permissions), `statemachines/`, `events/rules.json` and `caretaker.yml`.
 * A piece whose function does not exist (yet) is left out and listed in `omitted`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '#lib/errors';
import type { Permission } from '#lib/iam';
import { loadConfig } from '#lib/triggers/caretaker-config';
import { triggerEnvironment } from '#lib/triggers/settings';
import { busPolicyResources } from './bus-policy.ts';
import { dashboardResource } from './dashboard.ts';
import { artifactOf } from './bundle.ts';
import { TRACING_VARIABLE, type PackageSettings } from './esbuild.ts';
import { discoverFunctions, type FunctionSpec } from './functions.ts';
import { functionRole, readPermissions, STATE_MACHINE_NAMES } from './iam.ts';
import { loadRules, ruleResources } from './rules.ts';
import { scheduleResources } from './schedules.ts';
import {
  readDefinition,
  STATE_MACHINES,
  stateMachineRole,
  stateMachineRoleId,
  substituteFunctions,
  validateDefinition,
} from './state-machines.ts';

export const OUTCOMES_TOPIC_LOGICAL_ID = 'OutcomesTopic';

export interface StackFragments {
  functions: Record<string, unknown>;
  stateMachines: Record<string, unknown>;
  resources: { Resources: Record<string, unknown> };
  /** Variables every function gets from the package settings (serverless.yml's provider environment). */
  environment: Record<string, string>;
  /** What could not be deployed and why, e.g. a rule whose target function has no handler file yet. */
  omitted: string[];
}

export interface LoadedFunction extends FunctionSpec {
  permissions: Permission[];
}

/** Imports every handler module (constructing clients, calling nothing) and reads its declarations. */
export async function loadFunctions(root: string): Promise<LoadedFunction[]> {
  const loaded: LoadedFunction[] = [];
  for (const spec of discoverFunctions(root)) {
    const module = (await import(pathToFileURL(join(root, spec.file)).href)) as Record<string, unknown>;
    if (typeof module.handler !== 'function')
      throw new ValidationError(
        [{ field: 'handler', message: `got ${typeof module.handler}, expected an exported function` }],
        { resource: spec.file },
      );
    loaded.push({ ...spec, permissions: readPermissions(spec.file, module.permissions) });
  }
  return loaded;
}

/**
 * Lambda allows 4 KB of environment per function; the provider's variables take about 1 KB once resolved,
 * so the triggers' settings get the rest with room to spare.
 */
export const TRIGGER_SETTINGS_BUDGET = 2_500;

/** The trigger functions' own environment: what they know of caretaker.yml, checked against the budget. */
function triggerSettingsEnvironment(config: ReturnType<typeof loadConfig>, file: string) {
  const environment = triggerEnvironment(config);
  const size = Object.entries(environment).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
  if (size > TRIGGER_SETTINGS_BUDGET) {
    throw new ValidationError(
      [
        {
          field: 'patchGroups, requests, exemptions',
          message: `become ${size} bytes of the trigger functions' environment, expected at most ${TRIGGER_SETTINGS_BUDGET} (Lambda allows 4 KB): target groups by tags rather than long name lists`,
        },
      ],
      { resource: file },
    );
  }
  return environment;
}

/** The stack's fragments; the settings are the packaged deployment's (default: no Tracer). */
export async function buildStack(
  root: string,
  settings: PackageSettings = { tracing: false },
): Promise<StackFragments> {
  const functions = await loadFunctions(root);
  const byKey = new Map(functions.map((spec) => [spec.key, spec]));
  const omitted: string[] = [];
  const resources: Record<string, unknown> = {};
  const configFile = join(root, 'caretaker.yml');
  const config = loadConfig(configFile);
  const triggerSettings = triggerSettingsEnvironment(config, configFile);

  const functionConfig: Record<string, unknown> = {};
  for (const spec of functions) {
    functionConfig[spec.key] = {
      handler: spec.handler,
      role: spec.roleLogicalId,
      timeout: spec.timeoutSeconds,
      description: `caretaker ${spec.file}`,
      // Built by deploy/bundle.ts before the Framework runs; the Framework deploys it as it is.
      package: { artifact: artifactOf(spec) },
      ...(spec.group === 'triggers' ? { environment: triggerSettings } : {}),
    };
    resources[spec.roleLogicalId] = functionRole(spec, spec.permissions);
  }
  Object.assign(resources, busPolicyResources(config.requesters, functions));

  const stateMachines: Record<string, unknown> = {};
  for (const machine of STATE_MACHINES) {
    const path = join(root, machine.file);
    if (!existsSync(path)) {
      omitted.push(`state machine ${machine.key}: ${machine.file} does not exist`);
      continue;
    }
    const {
      definition,
      functions: used,
      missing,
    } = substituteFunctions(readDefinition(path), byKey, machine.file);
    if (missing.length > 0) {
      omitted.push(`state machine ${machine.key}: no handler file for ${missing.join(', ')}`);
      continue;
    }
    validateDefinition(definition, machine.file);
    const roleId = stateMachineRoleId(machine);
    resources[roleId] = stateMachineRole(
      machine,
      definition,
      used.map((key) => byKey.get(key)!),
    );
    stateMachines[machine.key] = {
      name: STATE_MACHINE_NAMES[machine.key],
      id: machine.logicalId,
      role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      definition,
      tracingConfig: { enabled: true },
      alarms: {
        topics: { alarm: { Ref: OUTCOMES_TOPIC_LOGICAL_ID } },
        metrics: ['executionsFailed', 'executionsTimedOut'],
        treatMissingData: 'notBreaching',
      },
    };
  }

  for (const rule of loadRules(join(root, 'events'))) {
    const target = byKey.get(rule.target);
    if (target === undefined) {
      omitted.push(`rule ${rule.name}: target ${rule.target} has no handler file`);
      continue;
    }
    Object.assign(resources, ruleResources(rule, target));
  }

  const openWindow = byKey.get('triggersOpenWindow');
  const audit = byKey.get('triggersAudit');
  if (!openWindow) omitted.push('patch-group schedules: triggersOpenWindow has no handler file');
  if (!audit) omitted.push('audit schedule: triggersAudit has no handler file');
  Object.assign(resources, scheduleResources(config, openWindow, audit));

  resources.Dashboard = dashboardResource();

  return {
    functions: functionConfig,
    stateMachines,
    resources: { Resources: resources },
    environment: { [TRACING_VARIABLE]: String(settings.tracing) },
    omitted,
  };
}
