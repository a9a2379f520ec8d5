import { lambdaHandler } from '#lib/handler';
import { events } from '#lib/aws/clients/events';
import { sagemaker } from '#lib/aws/clients/sagemaker';
import { triggerDeps } from '#lib/triggers/deps';
import { fromFinding, fromFindingPermissions } from '#lib/triggers/from-findings';
import { homeOf } from '#lib/triggers/home';

const deps = { ...triggerDeps, events, sagemaker };

export const permissions = fromFindingPermissions;
export const handler = lambdaHandler((event: unknown, context) =>
  fromFinding(event, { ...deps, home: homeOf(context) }),
);
