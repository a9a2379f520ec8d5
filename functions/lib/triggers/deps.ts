import { sfn } from '../aws/clients/sfn.ts';
import { readEnvironment } from '../env.ts';
import type { RequestDeps } from './requests.ts';
import { readTriggerSettings } from './settings.ts';

const env = readEnvironment();

/**
 * What every trigger uses in Lambda, built once per container: Step Functions, the state machines and the
 * deployment's settings. The triggers that put events on the bus (all but open-window) add its client in
 * their handler, and those that read or queue on the ledger add its client, with whatever else they read.
 */
export const triggerDeps: Omit<RequestDeps, 'events'> = {
  sfn,
  notebookPatchStateMachineArn: env.notebookPatchStateMachineArn,
  endpointUpdateStateMachineArn: env.endpointUpdateStateMachineArn,
  settings: readTriggerSettings(process.env),
};
