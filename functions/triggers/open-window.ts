import { lambdaHandler } from '#lib/handler';
import { triggerDeps } from '#lib/trigger-deps';
import { openWindow, openWindowPermissions } from '#lib/triggers';

export const permissions = openWindowPermissions;
export const handler = lambdaHandler((input: unknown) => openWindow(input, triggerDeps));
