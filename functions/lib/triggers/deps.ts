import { eventClients } from '../aws/eventbridge.ts';
import { ledgerClients } from '../aws/ledger/client.ts';
import { readEnvironment } from '../env.ts';
import type { RequestDeps } from './requests.ts';
import { readTriggerSettings } from './settings.ts';
import { sfn } from '../aws/stepfunctions.ts';

const env = readEnvironment();

/** The clients, targets and deployment settings the triggers use in Lambda, built once per container. */
export const triggerDeps: RequestDeps = {
  sfn,
  events: eventClients,
  ledger: ledgerClients,
  notebookPatchStateMachineArn: env.notebookPatchStateMachineArn,
  endpointUpdateStateMachineArn: env.endpointUpdateStateMachineArn,
  settings: readTriggerSettings(process.env),
};
