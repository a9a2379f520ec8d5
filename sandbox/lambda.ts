import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { discoverFunctions } from '../deploy/functions.ts';
import { frontUrl } from './front.ts';
import { defaultTriggerSettings } from './trigger-settings.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const STATE_MACHINES = ['notebook-patch', 'endpoint-update'] as const;
export type StateMachineName = (typeof STATE_MACHINES)[number];
export const stateMachineArn = (name: StateMachineName) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:caretaker-${name}`;

let files: Map<string, string> | undefined;

/** The handler file of a function key (`notebookApplySettings` → `functions/notebook/apply-settings.ts`), by the one discovery packaging uses. */
export function handlerFile(functionKey: string): string {
  files ??= new Map(discoverFunctions(ROOT).map((spec) => [spec.key, path.join(ROOT, spec.file)]));
  const file = files.get(functionKey);
  if (!file) throw new Error(`no handler file for function ${functionKey} under functions/`);
  return file;
}

/** Who is calling AWS right now: the execution (or trigger) a Lambda invocation belongs to. */
export interface InvocationScope {
  execution?: string;
  trigger?: { source: string; detailType: string; index: number };
}
export const scope = new AsyncLocalStorage<InvocationScope>();

let environmentReady: Promise<void> | undefined;

/**
 * Points every AWS SDK client at the sandbox and quiets the Lambda tooling, before any handler module is
 * imported (clients read their endpoint when they are built, once per process).
 */
export function prepareEnvironment(): Promise<void> {
  environmentReady ??= frontUrl().then((url) => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_SESSION_TOKEN: '',
      EVENT_BUS_NAME: 'caretaker',
      LEDGER_TABLE_NAME: 'caretaker-ledger',
      NOTEBOOK_PATCH_STATE_MACHINE_ARN: stateMachineArn('notebook-patch'),
      ENDPOINT_UPDATE_STATE_MACHINE_ARN: stateMachineArn('endpoint-update'),
      // Sandbox time is virtual; the SDK's own back-off sleeps in real time, so keep it short here.
      CARETAKER_SDK_RETRY_BASE_MS: '1',
      POWERTOOLS_LOG_LEVEL: process.env.CARETAKER_SANDBOX_LOG_LEVEL ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      ...defaultTriggerSettings(),
    });
  });
  return environmentReady;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const handlers = new Map<string, Promise<Handler>>();

export async function loadHandler(functionKey: string): Promise<Handler> {
  await prepareEnvironment();
  let loaded = handlers.get(functionKey);
  if (!loaded) {
    loaded = import(handlerFile(functionKey)).then((m: { handler?: Handler }) => {
      if (typeof m.handler !== 'function') throw new Error(`${handlerFile(functionKey)} exports no handler`);
      return m.handler;
    });
    handlers.set(functionKey, loaded);
  }
  return loaded;
}

let invocations = 0;

/** Invokes a handler the way Lambda does: event + context, a fresh request id, a time budget. */
export async function invoke(functionKey: string, event: unknown): Promise<unknown> {
  const handler = await loadHandler(functionKey);
  const requestId = `sandbox-${(++invocations).toString(16).padStart(8, '0')}`;
  const deadline = Date.now() + 60_000;
  const context = {
    functionName: `caretaker-${functionKey}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:caretaker-${functionKey}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/caretaker-${functionKey}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  // JSON in, JSON out, as across the real Lambda boundary: no shared object references leak.
  return JSON.parse(JSON.stringify((await handler(JSON.parse(JSON.stringify(event)), context)) ?? null));
}
