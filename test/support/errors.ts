import { ValidationError } from '#lib/errors';

/** The ValidationError `fn` throws; fails the test when it throws anything else, or nothing. */
export function caught(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}
