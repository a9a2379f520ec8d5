import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { discoverFunctions, type FunctionSpec } from '../deploy/functions.ts';
import type { VirtualClock } from './clock.ts';
import { unitInterval } from './emulator/faults.ts';
import type { Fleet, LambdaFault } from './fleet.ts';
import { frontUrl } from './front.ts';
import { QUIET_LAMBDA_ENVIRONMENT } from './quiet.ts';
import { defaultTriggerSettings } from './trigger-settings.ts';
import { nameUuid } from './uuid.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const STATE_MACHINES = ['notebook-patch', 'endpoint-update'] as const;
export type StateMachineName = (typeof STATE_MACHINES)[number];
export const stateMachineArn = (name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:caretaker-${name}`;

let specs: Map<string, FunctionSpec> | undefined;

/** A function's deployed shape (file, fleet-file path, timeout), by the one discovery packaging uses. */
function functionSpec(functionKey: string): FunctionSpec {
  specs ??= new Map(discoverFunctions(ROOT).map((spec) => [spec.key, spec]));
  const spec = specs.get(functionKey);
  if (!spec) throw new Error(`no handler file for function ${functionKey} under functions/`);
  return spec;
}

/** The handler file of a function key (`notebookApplySettings` → `functions/notebook/apply-settings.ts`). */
export function handlerFile(functionKey: string): string {
  return path.join(ROOT, functionSpec(functionKey).file);
}

/** Who is calling AWS right now: the execution (or trigger delivery) a Lambda invocation belongs to. */
export interface InvocationScope {
  /** The `x-sandbox-caller` header: an execution ARN, or `trigger:<source>/<detail-type>#<index>`. */
  caller: string;
  execution?: string;
  trigger?: { source: string; detailType: string; index: number };
  invocation?: Invocation;
}
export const scope = new AsyncLocalStorage<InvocationScope>();

/**
 * The caller of a trigger invocation: `#<index>` is the event's position among the run's events (or the
 * Scheduler invocation's among the run's invocations); an event the run itself produced has no position,
 * so its bus event id stands there instead.
 */
export function triggerCaller(
  trigger: { source: string; detailType: string; index: number },
  eventId?: string,
) {
  const at = trigger.index >= 0 ? String(trigger.index) : (eventId ?? String(trigger.index));
  return `trigger:${trigger.source}/${trigger.detailType}#${at}`;
}

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
      ...QUIET_LAMBDA_ENVIRONMENT,
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

/**
 * A failed invocation as Step Functions sees it: `name` is the state's Error, `message` its Cause. `original`
 * keeps what the handler threw, for the sandbox's own reports (it never crosses the Lambda boundary).
 */
export class LambdaInvocationError extends Error {
  constructor(
    name: string,
    cause: string,
    readonly original?: unknown,
  ) {
    super(cause);
    this.name = name;
  }
}

/** A call the fault knob is armed around: a change to SageMaker, a started execution or a put event. */
export function isMutatingCall(service: string, operation: string): boolean {
  if (service === 'sagemaker') return !/^(Describe|List|Get|Search)/.test(operation);
  return (
    (service === 'sfn' && operation === 'StartExecution') ||
    (service === 'eventbridge' && operation === 'PutEvents')
  );
}

const frozen = <T>() => new Promise<T>(() => undefined);

/**
 * One invocation's fault. It fires before or after the handler's first mutating AWS call (or when the handler
 * returns, if it makes none); from then on the handler is frozen, as a killed Lambda would be: no SDK call of
 * it answers any more, so nothing it catches can let it run on, and the invocation fails from outside.
 */
export class Invocation {
  #mutated = false;
  #fired = false;
  #fire!: () => void;
  /** Settles when the fault fires. */
  readonly fired = new Promise<void>((resolve) => (this.#fire = resolve));

  constructor(readonly fault: LambdaFault | undefined) {}

  get hasFired(): boolean {
    return this.#fired;
  }

  fire(): void {
    this.#fired = true;
    this.#fire();
  }

  /** Runs one of the handler's SDK calls through the fault. */
  async around<T>(mutating: boolean, call: () => Promise<T>): Promise<T> {
    if (this.#fired) return frozen();
    const armed = mutating && !this.#mutated && this.fault !== undefined;
    if (mutating) this.#mutated = true;
    if (armed && this.fault!.when === 'before-call') {
      this.fire();
      return frozen();
    }
    const answer = await call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (armed) this.fire();
    if (this.#fired) return frozen();
    if ('error' in answer) throw answer.error;
    return answer.value;
  }
}

export interface LambdaFaults {
  lambda: Fleet['faults']['lambda'];
  seed: number;
}

const SIX_HOURS_MS = 6 * 3600_000;

/** Step Functions' Cause for an error Lambda's Invoke API itself returned. */
function serviceErrorCause(name: string, requestId: string): string {
  if (name === 'Lambda.Unknown') {
    return 'The cause could not be determined because Lambda did not return an error type.';
  }
  const code = name.slice('Lambda.'.length);
  const status = code === 'TooManyRequestsException' ? 429 : 500;
  return `${code} (Service: AWSLambda; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`;
}

/** The error a fault's `error` names, worded as Step Functions reports it. */
function injectedError(name: string, requestId: string): LambdaInvocationError {
  if (name.startsWith('Lambda.')) return new LambdaInvocationError(name, serviceErrorCause(name, requestId));
  return new LambdaInvocationError(
    name,
    JSON.stringify({ errorType: name, errorMessage: 'injected by the fleet file (faults.lambda)' }),
  );
}

/** The function's own timeout elapsed: Lambda's error payload for it is the Cause. */
function timedOut(spec: FunctionSpec, requestId: string): LambdaInvocationError {
  return new LambdaInvocationError(
    'Sandbox.Timedout',
    JSON.stringify({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`,
    }),
  );
}

/** A handler's own error: errorType is Error, and the JSON the Node.js runtime returns is the Cause. */
function functionError(thrown: unknown): LambdaInvocationError {
  const err = thrown instanceof Error ? thrown : new Error(String(thrown));
  const payload = { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  return new LambdaInvocationError(err.name, JSON.stringify(payload), thrown);
}

/** Throttles and 5xx of the Invoke API, which Lambda's async queue retries for hours (not function errors). */
const isSystemError = (name: string) => name.startsWith('Lambda.') && name !== 'Lambda.Unknown';

/**
 * The Lambda service of one sandbox run: invokes the real handlers in-process as Lambda does (JSON in and out,
 * a context with the deployed timeout), on the run's virtual clock, with `faults.lambda` applied.
 */
export class LambdaRuntime {
  readonly #ordinals = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly faults: LambdaFaults,
  ) {}

  /**
   * A synchronous invocation, as Step Functions makes it: resolves with the result, or rejects with a
   * `LambdaInvocationError` (the handler's error, an injected fault, or `Sandbox.Timedout`).
   */
  invoke(functionKey: string, event: unknown, caller: Omit<InvocationScope, 'invocation'>): Promise<unknown> {
    const spec = functionSpec(functionKey);
    // A caller's own invocations run one after another: counting them per caller is the same on every run.
    const key = `${spec.path}\u0000${caller.caller}`;
    const n = this.#ordinals.get(key) ?? 0;
    this.#ordinals.set(key, n + 1);
    const invocation = new Invocation(this.#faultFor(spec.path, key, n));
    const requestId = nameUuid(`${key}\u0000${n}`);
    const work = this.#run(spec, event, { ...caller, invocation }, requestId);
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * An asynchronous invocation, as EventBridge and EventBridge Scheduler make them: Lambda retries a function
   * error twice, one and then two minutes later; a throttle or service error it retries with back-off from
   * 1 s to 5 minutes for up to 6 hours (AWS Lambda Developer Guide, "How Lambda handles errors and retries
   * with asynchronous invocation"). Rejects with the last error once Lambda gives up.
   */
  async invokeAsync(functionKey: string, event: unknown, caller: Omit<InvocationScope, 'invocation'>) {
    const firstAt = this.clock.now();
    let functionErrors = 0;
    let backoffMs = 1000;
    for (;;) {
      try {
        return await this.invoke(functionKey, event, caller);
      } catch (err) {
        const name = (err as Error).name;
        let delayMs: number;
        if (isSystemError(name)) {
          delayMs = backoffMs;
          backoffMs = Math.min(backoffMs * 2, 300_000);
          if (this.clock.now() + delayMs - firstAt > SIX_HOURS_MS) throw err;
        } else {
          if (functionErrors === 2) throw err;
          delayMs = ++functionErrors * 60_000;
        }
        await this.clock.sleep(delayMs);
      }
    }
  }

  /** Settles when no invocation is in flight (a frozen one counts until its fault has failed it). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Whether the `n`-th invocation of a function by a caller (an execution, a trigger delivery) fails: `times`
   * counts, and `rate` draws, per caller.
   */
  #faultFor(functionPath: string, key: string, n: number): LambdaFault | undefined {
    const fault = this.faults.lambda[functionPath];
    if (!fault) return undefined;
    if (fault.rate !== undefined) {
      return unitInterval(`${this.faults.seed}\u0000lambda\u0000${key}\u0000${n}`) < fault.rate
        ? fault
        : undefined;
    }
    return n < (fault.times ?? 1) ? fault : undefined;
  }

  async #run(
    spec: FunctionSpec,
    event: unknown,
    store: InvocationScope,
    requestId: string,
  ): Promise<unknown> {
    const invocation = store.invocation!;
    const startedAt = this.clock.now();
    // Time stands still while the handler runs, and moves again once a fault has frozen it.
    const settled = await this.clock.track(() =>
      Promise.race([
        this.#handle(spec, event, store, requestId, startedAt).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
        invocation.fired.then(() => undefined),
      ]),
    );
    if (invocation.fault && !invocation.hasFired) invocation.fire();
    if (invocation.hasFired) {
      if (invocation.fault!.error !== 'timeout') throw injectedError(invocation.fault!.error, requestId);
      await this.clock.sleep(startedAt + spec.timeoutSeconds * 1000 - this.clock.now());
      throw timedOut(spec, requestId);
    }
    if (settled && 'error' in settled) throw functionError(settled.error);
    return settled?.value;
  }

  async #handle(
    spec: FunctionSpec,
    event: unknown,
    store: InvocationScope,
    requestId: string,
    startedAt: number,
  ): Promise<unknown> {
    const handler = await loadHandler(spec.key);
    const deadline = startedAt + spec.timeoutSeconds * 1000;
    const context = {
      functionName: `caretaker-${spec.key}`,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:caretaker-${spec.key}`,
      memoryLimitInMB: '256',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/caretaker-${spec.key}`,
      logStreamName: 'sandbox',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    // JSON in, JSON out, as across the real Lambda boundary: no shared object references leak.
    const result = await scope.run(store, () => handler(JSON.parse(JSON.stringify(event ?? null)), context));
    return JSON.parse(JSON.stringify(result ?? null));
  }
}
