import { cloudwatch } from '#lib/aws/clients/cloudwatch';
import { ledger } from '#lib/aws/clients/ledger';
import { endpointStep } from '#lib/endpoint/deps';
import { watchAlarms, watchAlarmsPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(watchAlarms, watchAlarmsPermissions, {
  cloudwatch,
  ledger,
});
