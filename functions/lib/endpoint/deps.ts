import { cloudwatch } from '../aws/cloudwatch.ts';
import type { EndpointDeps } from './steps.ts';
import { eventClients } from '../aws/eventbridge.ts';
import { lambdaHandler } from '../handler.ts';
import type { Permission } from '../iam.ts';
import { ledgerClients } from '../aws/ledger/client.ts';
import { sagemaker } from '../aws/sagemaker/client.ts';
import { serviceQuotas } from '../aws/servicequotas.ts';

/** The clients the endpoint steps use in Lambda, built once per container. */
export const endpointDeps: EndpointDeps = {
  sagemaker,
  cloudwatch,
  serviceQuotas,
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
