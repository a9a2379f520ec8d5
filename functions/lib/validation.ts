import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';

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
export function toFieldIssues(error: z.ZodError, input: unknown, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const got =
      issue.code === 'unrecognized_keys' || value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return { field: fieldPath(prefix, issue.path), message: `${issue.message}${got}` };
  });
}

/** Parses with a schema or throws a ValidationError listing every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, input, prefix));
  return result.data;
}

/** Step Functions execution names: 1–80 characters of letters, digits, `-` and `_`. */
export const executionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected 1–80 letters, digits, "-" or "_" (it is the execution name)');
