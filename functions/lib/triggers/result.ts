import { ValidationError, type FieldIssue } from '../errors.ts';

/** What a trigger did with one event (the sandbox reports it per event; in AWS it is the function's result). */
export interface TriggerResult {
  /** Executions started, by name. */
  started: string[];
  /** Executions not started because one with that name exists (a repeated delivery). */
  duplicates: string[];
  /** The event asked for something invalid: every problem, each naming its field. Nothing started. */
  rejected?: FieldIssue[];
  /** The event needs no action, and why. */
  ignored?: string;
}

/**
 * A trigger's answer to an event it cannot read: a malformed event never gets better by retrying it, so its
 * problems become the result and nothing starts. Any other error is thrown on, for Lambda to retry.
 */
export function rejectedBy(err: unknown): TriggerResult & { rejected: FieldIssue[] } {
  if (!(err instanceof ValidationError)) throw err;
  return { started: [], duplicates: [], rejected: err.issues };
}
