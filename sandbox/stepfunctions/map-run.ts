import { nameUuid } from '../uuid.ts';

/**
 * A distributed Map's Map Run, as Step Functions runs it: each item is a child execution of its own (its own
 * ARN, context, history and stats), at most MaxConcurrency at once, and the Map Run fails as soon as the
 * failed (or timed-out) children exceed ToleratedFailureCount or ToleratedFailurePercentage of all items: the
 * children still running are aborted, no new one starts, and the Map state fails with
 * `States.ExceedToleratedFailureThreshold` (which its Retry and Catch see like any error).
 *
 *   items ──▶ [ child 0 ][ child 1 ] … ≤ MaxConcurrency running
 *                  │ FAILED ─▶ failed > tolerance? ─ yes ─▶ abort running, start none, fail the Map
 *                  └ SUCCEEDED / tolerated ─▶ results[i] ─▶ all done ─▶ the Map's result, in item order
 */

/** What the patched interpreter hands over for a DISTRIBUTED Map (see the patch's opening comment). */
export interface DistributedMapRequest {
  stateName: string;
  label: string | undefined;
  processor: Record<string, unknown>;
  /** Each item's input, after ItemsPath and ItemSelector. */
  items: unknown[];
  /** 0: no limit of the state's own. */
  maxConcurrency: number;
  toleratedFailureCount: number | undefined;
  toleratedFailurePercentage: number | undefined;
  /** The parent execution's: it aborts when the parent fails, times out or is stopped. */
  abortSignal: AbortSignal;
}

/** A child execution as the Map Run sees it. */
export interface ChildExecution {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: { error: string; cause: string };
  startedAt: number;
  stoppedAt?: number;
  done: Promise<void>;
  abort(): void;
}

/** A Map Run's children run at most this many at once when the Map sets no MaxConcurrency (AWS's ceiling). */
export const MAX_CHILDREN_AT_ONCE = 10_000;

export const EXCEEDED_CAUSE = 'The specified tolerated failure threshold was exceeded';

/** An error a state reports, with the name its Retry and Catch match. */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * Whether `failed` of `total` items exceed the tolerance. "Your Map Run fails if this value is exceeded"
 * (strictly more), the percentage is of all items, and with both set, exceeding either fails it; with
 * neither, no failure is tolerated (AWS Step Functions Developer Guide, "Tolerated failure threshold for
 * Distributed Map state").
 */
export function exceedsTolerance(
  failed: number,
  total: number,
  count: number | undefined,
  percentage: number | undefined,
): boolean {
  if (count === undefined && percentage === undefined) return failed > 0;
  return (
    (count !== undefined && failed > count) ||
    (percentage !== undefined && (failed / total) * 100 > percentage)
  );
}

/** The names of one Map Run: `<machine>/<label>` is its children's state machine, as AWS labels it. */
export interface MapRunIdentity {
  label: string;
  mapRunArn: string;
  stateMachineArn: string;
  child(index: number): { name: string; arn: string };
}

/**
 * Names the `ordinal`-th Map Run of a parent execution, with version 3 UUIDs as AWS names Map Runs and their
 * children (…:execution:orderProcessing/getOrders:da4e9fc7-abab-3b27-…, in the ResultWriter page of the
 * Developer Guide), derived from the parent and the item. Without a `Label`, AWS puts a UUID where the label
 * goes.
 *
 * @example mapRunIdentity('arn:aws:states:us-east-1:1:stateMachine:m', 'arn:…:execution:m:run-1', 'Items', undefined, 0)
 *   .child(2).arn // → 'arn:aws:states:us-east-1:1:execution:m/<uuid>:<uuid>'
 */
export function mapRunIdentity(
  stateMachineArn: string,
  parentArn: string,
  stateName: string,
  label: string | undefined,
  ordinal: number,
): MapRunIdentity {
  const runLabel = label ?? nameUuid(`${parentArn}\u0000${stateName}\u0000${ordinal}`);
  const mapRunArn = `${stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${runLabel}:${nameUuid(`${parentArn}\u0000${stateName}\u0000${ordinal}\u0000run`)}`;
  const executionPrefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}/${runLabel}`;
  return {
    label: runLabel,
    mapRunArn,
    stateMachineArn: `${stateMachineArn}/${runLabel}`,
    child: (index) => {
      const name = nameUuid(`${mapRunArn}\u0000${index}`);
      return { name, arn: `${executionPrefix}:${name}` };
    },
  };
}

/**
 * A failed child's place in the Map's result. Without a ResultWriter the result holds each child's output
 * (COMPACT), except that "if a child workflow execution fails, Step Functions returns its execution result
 * unchanged", as the NONE transformation shows it: the execution's metadata with its Error and Cause
 * (AWS Step Functions Developer Guide, "ResultWriter (Map)").
 */
export function failedChildResult(child: ChildExecution): Record<string, unknown> {
  return {
    ExecutionArn: child.arn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    RedriveCount: 0,
    StartDate: new Date(child.startedAt).toISOString(),
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: new Date(child.stoppedAt ?? child.startedAt).toISOString(),
    ...(child.error ? { Error: child.error.error, Cause: child.error.cause } : {}),
  };
}

/**
 * Runs the Map Run: starts each item's child through `start`, in item order, and resolves with the Map's
 * result (child outputs in item order), or rejects with `States.ExceedToleratedFailureThreshold`. When the
 * parent stops, its running children are aborted and the Map Run never settles (the parent has ended).
 */
export function runMapRun(
  request: DistributedMapRequest,
  start: (index: number, input: unknown) => ChildExecution,
): Promise<unknown[]> {
  const total = request.items.length;
  const limit = request.maxConcurrency > 0 ? request.maxConcurrency : MAX_CHILDREN_AT_ONCE;
  const results: unknown[] = new Array(total);
  const running = new Set<ChildExecution>();
  let next = 0;
  let finished = 0;
  let failed = 0;
  let over = false;
  const end = () => {
    over = true;
    request.abortSignal.removeEventListener('abort', end);
    for (const child of running) child.abort();
  };
  return new Promise((resolve, reject) => {
    const launch = () => {
      while (!over && running.size < limit && next < total) {
        const index = next++;
        const child = start(index, request.items[index]);
        running.add(child);
        void child.done.then(() => {
          running.delete(child);
          if (over) return;
          finished++;
          if (child.status === 'SUCCEEDED') {
            results[index] = child.output;
          } else {
            failed++;
            results[index] = failedChildResult(child);
            const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = request;
            if (exceedsTolerance(failed, total, count, percentage)) {
              end();
              reject(new StatesError('States.ExceedToleratedFailureThreshold', EXCEEDED_CAUSE));
              return;
            }
          }
          if (finished === total) {
            end();
            resolve(results);
          } else launch();
        });
      }
    };
    if (request.abortSignal.aborted) return;
    request.abortSignal.addEventListener('abort', end, { once: true });
    if (total === 0) {
      end();
      resolve([]);
    } else launch();
  });
}
