import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '#lib/errors';
import { parseOrThrow } from '#lib/validation';
import type { SandboxEvent } from './runner.ts';

/** A file the user handed us is unusable: exit code 2 and this message (it names the file and the field). */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'InputFileError';
  }
}

const eventSchema = z.looseObject({
  source: z.string().min(1, 'expected the event source, e.g. "caretaker.requests"'),
  'detail-type': z.string().min(1, 'expected the detail-type, e.g. "Notebook Patch Requested"'),
  detail: z.record(z.string(), z.unknown(), 'expected an object'),
  // "…" and "" are the placeholders of the documented samples: they mean "now".
  time: z
    .string()
    .refine((t) => t === '…' || t === '' || !Number.isNaN(Date.parse(t)), 'expected an ISO 8601 time')
    .optional(),
});

/** Reads one EventBridge event from a JSON file, naming the file and the field when it is unusable. */
export async function readEventFile(file: string): Promise<SandboxEvent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputFileError(
      file,
      `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputFileError(file, `not valid JSON: ${(err as Error).message}`);
  }
  try {
    const event = parseOrThrow(eventSchema, json) as SandboxEvent;
    if (event.time === '…' || event.time === '') delete event.time;
    return event;
  } catch (err) {
    if (err instanceof ValidationError) throw new InputFileError(file, err.message);
    throw err;
  }
}
