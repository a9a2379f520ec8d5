import { endpointStep } from '#lib/endpoint/deps';
import { watchAlarms, watchAlarmsPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(watchAlarms, watchAlarmsPermissions);
