import { ValidationError } from '#lib/errors';
import { InputFileError } from '../../sandbox/inputs.ts';

/**
 * The user asked for something unusable (a flag's value, a config file): exit code 2 and a message naming
 * the flag or file, the value and what was expected. It is an {@link InputFileError} so the CLI's one
 * error handler gives it the same exit code.
 */
export class UsageError extends InputFileError {
  constructor(message: string) {
    super('', message);
    this.message = message;
    this.name = 'UsageError';
  }
}

/** A validation failure as one usage error, each problem on its own line. */
export function usageErrorOf(error: ValidationError, fieldToFlag: (field: string) => string = (f) => f) {
  const problems = error.issues.map((i) => `${fieldToFlag(i.field)}: ${i.message}`);
  // A file's problems (caretaker.yml) are introduced by the file's name.
  return new UsageError(
    error.resource ? `${error.resource}:\n  ${problems.join('\n  ')}` : problems.join('\n  '),
  );
}

/** Runs `fn`, turning a ValidationError into a usage error. */
export async function asUsage<T>(
  fn: () => T | Promise<T>,
  fieldToFlag?: (field: string) => string,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ValidationError) throw usageErrorOf(err, fieldToFlag);
    throw err;
  }
}

/** Reads a whole number from a flag, or says which flag and what it expected. */
export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new UsageError(
        `${flag}: got ${JSON.stringify(value)}, expected a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}
