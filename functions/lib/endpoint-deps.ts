import { cloudwatch } from './cloudwatch.ts';
import type { EndpointDeps } from './endpoint-update.ts';
import { eventClients } from './eventbridge.ts';
import { lambdaHandler } from './handler.ts';
import type { Permission } from './iam.ts';
import { ledgerClients } from './ledger.ts';
import { sagemaker } from './sagemaker/client.ts';

/** The clients the endpoint steps use in Lambda, built once per container. */
export const endpointDeps: EndpointDeps = {
  sagemaker,
  cloudwatch,
  ledger: ledgerClients,
  events: eventClients,
  now: () => Date.now(),
};

/** An endpoint-update step as a Lambda, with its declared permissions. */
export function endpointStep<I, O>(
  step: (input: I, deps: EndpointDeps) => Promise<O>,
  permissions: Permission[],
) {
  return { permissions, handler: lambdaHandler((input: I) => step(input, endpointDeps)) };
}
