/**
 * What caretaker's events may repeat of what a requester sent: a bounded copy with control and formatting
 * characters (newlines, escapes, bidirectional overrides) replaced, so that an event, a log line or a chat
 * message made from it shows what was sent and nothing it was made to look like.
 */
import type { FieldIssue } from '../errors.ts';

const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;

/** Field names and messages of a rejection, and how many of them an event carries at most. */
export const ECHO_LIMITS = { text: 256, message: 512, issues: 20 } as const;

/**
 * A string as an event may carry it: control characters replaced by one space each run, at most `max`
 * characters (the last one `…` when cut); anything that is not a string is not echoed.
 *
 * @example echoText('alice\u001b[2J\nroot', 256) // → 'alice [2J root'
 */
export function echoText(value: unknown, max: number = ECHO_LIMITS.text): string | undefined {
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(INVISIBLE, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/**
 * The issues of a rejection as its event carries them: each bounded, at most {@link ECHO_LIMITS.issues} of
 * them, and how many more there were.
 */
export function echoIssues(issues: readonly FieldIssue[]): { errors: FieldIssue[]; errorsOmitted?: number } {
  const errors = issues.slice(0, ECHO_LIMITS.issues).map((issue) => ({
    field: echoText(issue.field) ?? '',
    message: echoText(issue.message, ECHO_LIMITS.message) ?? '',
  }));
  const omitted = issues.length - errors.length;
  return omitted > 0 ? { errors, errorsOmitted: omitted } : { errors };
}
