import { ValidationError } from './errors.ts';

/**
 * The environment, read once at cold start and validated: a missing or malformed variable fails fast with
 * its name. Domain code receives these values as parameters and never reads `process.env` itself.
 */
export interface Environment {
  eventBusName: string;
  ledgerTableName: string;
  notebookPatchStateMachineArn: string;
  endpointUpdateStateMachineArn: string;
  maxAttempts: number;
  baseDelayMs: number;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const issues: Array<{ field: string; message: string }> = [];
  const text = (name: string, fallback?: string): string => {
    const value = env[name] ?? fallback;
    if (value === undefined || value === '') issues.push({ field: name, message: 'is required' });
    return value ?? '';
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      issues.push({ field: name, message: `is ${JSON.stringify(raw)}, expected an integer ≥ ${min}` });
    }
    return value;
  };
  const environment = {
    eventBusName: text('EVENT_BUS_NAME', 'caretaker'),
    ledgerTableName: text('LEDGER_TABLE_NAME', 'caretaker-ledger'),
    notebookPatchStateMachineArn: text('NOTEBOOK_PATCH_STATE_MACHINE_ARN', ''),
    endpointUpdateStateMachineArn: text('ENDPOINT_UPDATE_STATE_MACHINE_ARN', ''),
    maxAttempts: integer('CARETAKER_SDK_MAX_ATTEMPTS', 5, 1),
    baseDelayMs: integer('CARETAKER_SDK_RETRY_BASE_MS', 100, 0),
  };
  // State machine ARNs are needed only by the triggers; they are checked where they are used.
  const required = issues.filter((i) => !i.field.endsWith('_STATE_MACHINE_ARN'));
  if (required.length > 0) throw new ValidationError(required);
  return environment;
}
