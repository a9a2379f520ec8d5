import { describeAlarms } from '../aws/cloudwatch.ts';
import { minimumDeploymentSeconds } from './deployment-config.ts';
import { NEXT, OUTCOME, POLL_SECONDS } from './constants.ts';
import { readEndpointRecord } from '../aws/ledger/endpoints.ts';
import { preflightRefusals } from './decisions.ts';
import { parseEndpointUpdateInput, type EndpointUpdateRequest } from './request.ts';
import { requestOf, type EndpointDeps, type EndpointUpdateState, type StepInput } from './steps.ts';
import { ValidationError } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import { describeEndpoint, describeEndpointConfig } from '../aws/sagemaker/endpoints.ts';

// The only endpoint step that validates the request with its schema: the others trust what it passed, so
// their functions do not bundle the validation library.

export const preflightPermissions = permissionsOf(
  describeEndpoint,
  readEndpointRecord,
  describeEndpointConfig,
  describeAlarms,
);

/**
 * Decides whether the deployment may start, changing nothing: the endpoint is InService and held by no other
 * request, the target exists and keeps the variant names, the alarms exist and none is in ALARM, and the
 * sizes fit the variants. A refusal goes straight to Finalize as `rejected`, with every reason.
 */
export async function preflight(input: StepInput, deps: EndpointDeps): Promise<EndpointUpdateState> {
  let request: EndpointUpdateRequest;
  try {
    request = parseEndpointUpdateInput(requestOf(input));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { next: NEXT.finalize, outcome: OUTCOME.rejected, reason: err.message };
  }
  const endpoint = await describeEndpoint(deps.sagemaker, request.endpointName);
  const [record, currentConfig, targetConfig, alarms] = await Promise.all([
    readEndpointRecord(deps.ledger, request.endpointName),
    endpoint
      ? describeEndpointConfig(deps.sagemaker, endpoint.endpointConfigName)
      : Promise.resolve(undefined),
    describeEndpointConfig(deps.sagemaker, request.targetEndpointConfigName),
    describeAlarms(deps.cloudwatch, request.alarms),
  ]);
  const refusals = preflightRefusals({
    request,
    endpoint,
    hold: record.holder
      ? { requestId: record.holder, since: record.heldSince, until: record.heldUntil ?? 0 }
      : undefined,
    currentConfig,
    targetConfig,
    alarms,
    now: deps.now(),
  });
  if (refusals.length > 0 || !endpoint || !targetConfig) {
    return {
      next: NEXT.finalize,
      outcome: OUTCOME.rejected,
      reason: `${refusals.join('; ')}; nothing was changed`,
    };
  }
  const instances = Math.max(0, ...targetConfig.variants.map((v) => v.instanceCount));
  return {
    next: NEXT.startUpdate,
    endpointArn: endpoint.arn,
    previousEndpointConfigName: endpoint.endpointConfigName,
    // The first look comes when the guardrail's own waits can have passed; polling before that only costs.
    wait: Math.max(POLL_SECONDS, minimumDeploymentSeconds(request.deployment, instances)),
  };
}
