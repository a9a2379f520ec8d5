import { events } from '../aws/clients/events.ts';
import { sfn } from '../aws/clients/sfn.ts';
import { readEnvironment } from '../env.ts';
import type { RequestDeps } from './requests.ts';
import { readTriggerSettings } from './settings.ts';

const env = readEnvironment();

/** The clients, targets and deployment settings the triggers use in Lambda, built once per container. */
export const triggerDeps: RequestDeps = {
  sfn,
  events,
  notebookPatchStateMachineArn: env.notebookPatchStateMachineArn,
  endpointUpdateStateMachineArn: env.endpointUpdateStateMachineArn,
  settings: readTriggerSettings(process.env),
};
