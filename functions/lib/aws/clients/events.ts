import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { lambdaClient } from '../config.ts';
import type { EventClients } from '../eventbridge.ts';
import { readEnvironment } from '../../env.ts';

/** The bus's client and name, built once per container and handed to the gateway functions. */
export const events: EventClients = {
  eventbridge: lambdaClient(EventBridgeClient),
  busName: readEnvironment().eventBusName,
};
