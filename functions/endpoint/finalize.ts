import { sagemaker } from '#lib/aws/clients/sagemaker';
import { ledger } from '#lib/aws/clients/ledger';
import { events } from '#lib/aws/clients/events';
import { endpointStep } from '#lib/endpoint/deps';
import { finalize, finalizePermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(finalize, finalizePermissions, {
  sagemaker,
  ledger,
  events,
});
