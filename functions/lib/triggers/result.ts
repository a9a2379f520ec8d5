import type { FieldIssue } from '../errors.ts';

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
