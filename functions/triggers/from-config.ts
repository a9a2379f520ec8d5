import { lambdaHandler } from '#lib/handler';
import { events } from '#lib/aws/clients/events';
import { sagemaker } from '#lib/aws/clients/sagemaker';
import { triggerDeps } from '#lib/triggers/deps';
import { fromConfig, fromConfigPermissions } from '#lib/triggers/from-findings';
import { homeOf } from '#lib/triggers/home';

const deps = { ...triggerDeps, events, sagemaker };

export const permissions = fromConfigPermissions;
export const handler = lambdaHandler((event: unknown, context) =>
  fromConfig(event, { ...deps, home: homeOf(context) }),
);
