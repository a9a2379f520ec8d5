/**
 * Function discovery: every `functions/<group>/<kebab-name>.ts` is a Lambda named `<group><PascalName>`
 * (the key the ASL files use as `${notebookStop}`), so adding a step is adding a file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FUNCTION_GROUPS = ['notebook', 'endpoint', 'triggers'] as const;
export type FunctionGroup = (typeof FUNCTION_GROUPS)[number];

/** Steps poll and return; triggers may walk the whole fleet (the audit) or start many executions. */
export const TIMEOUT_SECONDS: Record<FunctionGroup, number> = { notebook: 60, endpoint: 60, triggers: 300 };

export interface FunctionSpec {
  /** `notebookStop` */
  key: string;
  /** `notebook/stop`: how fleet files name the function (its file under functions/, without `.ts`) */
  path: string;
  group: FunctionGroup;
  /** `functions/notebook/stop.ts`, relative to the repository root */
  file: string;
  /** `functions/notebook/stop.handler`, as serverless.yml wants it */
  handler: string;
  /** `NotebookStopLambdaFunction`, the logical id the Framework gives the function */
  logicalId: string;
  /** `NotebookStopRole`, the function's own IAM role */
  roleLogicalId: string;
  /** The deployed function's timeout, which the sandbox enforces too. */
  timeoutSeconds: number;
}

const pascal = (kebab: string) =>
  kebab
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** `notebook`, `select-targets` → `notebookSelectTargets` */
export function functionKey(group: string, name: string): string {
  return `${group}${pascal(name)}`;
}

/** The Framework's logical id of a function: first letter up, `-` → `Dash`, `_` → `Underscore`. */
export function lambdaLogicalId(key: string): string {
  const normalized = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** The handler files present now under `functions/{notebook,endpoint,triggers}/`, sorted by key. */
export function discoverFunctions(root: string): FunctionSpec[] {
  const specs: FunctionSpec[] = [];
  for (const group of FUNCTION_GROUPS) {
    let entries: string[];
    try {
      entries = readdirSync(join(root, 'functions', group));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const match = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.ts$/.exec(entry);
      if (!match || entry.endsWith('.test.ts')) continue;
      const name = match[1] as string;
      const key = functionKey(group, name);
      specs.push({
        key,
        path: `${group}/${name}`,
        group,
        file: `functions/${group}/${entry}`,
        handler: `functions/${group}/${name}.handler`,
        logicalId: lambdaLogicalId(key),
        roleLogicalId: `${pascal(group)}${pascal(name)}Role`,
        timeoutSeconds: TIMEOUT_SECONDS[group],
      });
    }
  }
  return specs.sort((a, b) => a.key.localeCompare(b.key));
}
