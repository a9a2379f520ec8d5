import { endpointStep } from '#lib/endpoint-deps';
import { watchAlarms, watchAlarmsPermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(watchAlarms, watchAlarmsPermissions);
