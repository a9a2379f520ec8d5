import { endpointStep } from '#lib/endpoint-deps';
import { recordAlarm, recordAlarmPermissions } from '#lib/endpoint-update';

export const { handler, permissions } = endpointStep(recordAlarm, recordAlarmPermissions);
