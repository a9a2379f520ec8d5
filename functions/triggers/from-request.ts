import { lambdaHandler } from '#lib/handler';
import { events } from '#lib/aws/clients/events';
import { sagemaker } from '#lib/aws/clients/sagemaker';
import { homeOf } from '#lib/triggers/home';
import { fromRequest, fromRequestPermissions } from '#lib/triggers/requests';
import { triggerDeps } from '#lib/triggers/deps';

const deps = { ...triggerDeps, events, sagemaker };

export const permissions = fromRequestPermissions;
export const handler = lambdaHandler((event: unknown, context) =>
  fromRequest(event, { ...deps, home: homeOf(context) }),
);
