import { ledger } from '#lib/aws/clients/ledger';
import { endpointStep } from '#lib/endpoint/deps';
import { recordAlarm, recordAlarmPermissions } from '#lib/endpoint/steps';

export const { handler, permissions } = endpointStep(recordAlarm, recordAlarmPermissions, { ledger });
