/**
 * The shared validation helpers on their own. This file loads no schema written with zod's classic API,
 * which is what sets zod's English messages when it is imported: the messages below come from
 * validation.ts itself, as they must in a bundle whose schemas are all `zod/mini` (which alone says only
 * "Invalid input").
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { executionNameSchema, parseOrThrow } from '#lib/validation';
import { caught } from '../support/errors.ts';

const requestSchema = z.strictObject({ requestId: executionNameSchema, names: z.array(z.string()) });

describe('parseOrThrow', () => {
  it('names the field, the value and what was expected, in English', () => {
    // Act
    const error = caught(() => parseOrThrow(requestSchema, { requestId: 42, names: [] }));

    // Assess
    expect(error.issues).toEqual([
      { field: 'requestId', message: 'Invalid input: expected string, received number (got 42)' },
    ]);
  });

  it('says what an execution name may be', () => {
    // Act
    const error = caught(() => parseOrThrow(requestSchema, { requestId: 'patch now', names: [] }));

    // Assess
    expect(error.issues).toEqual([
      {
        field: 'requestId',
        message: 'expected 1–80 letters, digits, "-" or "_" (it is the execution name) (got "patch now")',
      },
    ]);
  });

  it('points into arrays and under a prefix, and lists unknown keys without a value', () => {
    // Act
    const error = caught(() =>
      parseOrThrow(requestSchema, { requestId: 'r-1', names: ['nb-1', 7], extra: true }, 'detail'),
    );

    // Assess
    expect(error.issues).toEqual([
      { field: 'detail.names[1]', message: 'Invalid input: expected string, received number (got 7)' },
      { field: 'detail', message: 'Unrecognized key: "extra"' },
    ]);
  });

  it('returns the parsed value when the input is valid', () => {
    expect(parseOrThrow(requestSchema, { requestId: 'r-1', names: ['nb-1'] })).toEqual({
      requestId: 'r-1',
      names: ['nb-1'],
    });
  });
});
