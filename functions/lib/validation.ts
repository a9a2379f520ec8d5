import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ValidationError, type FieldIssue } from './errors.ts';

// Schemas may use the small `zod/mini` API (~22 KB bundled, against ~60 KB for the classic one): its
// messages must read as the classic API's do, which sets English when it is loaded and `zod/mini` does not
// ("Invalid input" alone). Only the English locale is imported; zod's `{ z }` export would bring them all.
z.config(en());

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `a.b[2].c` — the way a person points at a field in a document. */
export function fieldPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(root)';
}

/** Zod issues → issues that name the field, the value received and what was expected. */
export function toFieldIssues(error: z.core.$ZodError, input: unknown, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const got =
      issue.code === 'unrecognized_keys' || value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return { field: fieldPath(prefix, issue.path), message: `${issue.message}${got}` };
  });
}

/** Parses with a schema or throws a ValidationError listing every problem. */
export function parseOrThrow<S extends z.core.$ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, input, prefix));
  return result.data;
}

/** Step Functions execution names: 1–80 characters of letters, digits, `-` and `_`. */
export const executionNameSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected 1–80 letters, digits, "-" or "_" (it is the execution name)'),
  );
