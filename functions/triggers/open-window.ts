import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/triggers/deps';
import { openWindow, openWindowPermissions } from '#lib/triggers/windows';

export const permissions = openWindowPermissions;
export const handler = lambdaHandler((input: unknown) => openWindow(input, triggerDeps));
