import { describeAlarms } from '../aws/cloudwatch.ts';
import { minimumDeploymentSeconds } from './deployment-config.ts';
import { NEXT, OUTCOME, POLL_SECONDS } from './constants.ts';
import { readEndpointRecord } from '../aws/ledger/endpoints.ts';
import { capacityRefusals, preflightRefusals } from './decisions.ts';
import { parseEndpointUpdateInput, type EndpointUpdateRequest } from './request.ts';
import { requestOf, type EndpointDeps, type EndpointUpdateState, type StepInput } from './steps.ts';
import { ValidationError } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import {
  describeEndpoint,
  describeEndpointConfig,
  listEndpoints,
  type EndpointConfigView,
} from '../aws/sagemaker/endpoints.ts';
import {
  endpointInstanceQuotas,
  listSageMakerDefaultQuotas,
  listSageMakerQuotas,
} from '../aws/servicequotas.ts';

// The only endpoint step that validates the request with its schema: the others trust what it passed, so
// their functions do not bundle the validation library.

export const preflightPermissions = /* @__PURE__ */ permissionsOf(
  describeEndpoint,
  readEndpointRecord,
  describeEndpointConfig,
  describeAlarms,
  listEndpoints,
  listSageMakerQuotas,
  listSageMakerDefaultQuotas,
);

/**
 * The endpoint instances the account holds now, by type, for the types that have a quota: every endpoint's
 * live configuration plus the one a deployment moves it to (blue/green may hold both fleets; counting the
 * whole pending fleet errs on the side of refusing).
 */
async function instancesInUse(
  types: ReadonlySet<string>,
  deps: Pick<EndpointDeps, 'sagemaker'>,
): Promise<Record<string, number>> {
  const configs = new Map<string, Promise<EndpointConfigView | undefined>>();
  const config = (name: string) => {
    if (!configs.has(name)) configs.set(name, describeEndpointConfig(deps.sagemaker, name));
    return configs.get(name)!;
  };
  const inUse: Record<string, number> = {};
  for (const name of await listEndpoints(deps.sagemaker)) {
    const endpoint = await describeEndpoint(deps.sagemaker, name);
    for (const held of [endpoint?.endpointConfigName, endpoint?.pendingEndpointConfigName]) {
      for (const variant of (held ? await config(held) : undefined)?.variants ?? []) {
        if (variant.instanceType && types.has(variant.instanceType))
          inUse[variant.instanceType] = (inUse[variant.instanceType] ?? 0) + variant.instanceCount;
      }
    }
  }
  return inUse;
}

/**
 * Decides whether the deployment may start, changing nothing: the endpoint is InService and held by no other
 * request, the target exists and keeps the variant names, the alarms exist and none is in ALARM (nor without
 * data, when missing data counts as breaching), the sizes fit the variants, and the instance quotas leave
 * room for the deployment AND for caretaker's rollback of it. A refusal goes straight to Finalize as
 * `rejected`, with every reason.
 */
export async function preflight(
  input: StepInput,
  deps: PreflightDeps,
): Promise<StepInput & { state: EndpointUpdateState }> {
  let request: EndpointUpdateRequest;
  try {
    request = parseEndpointUpdateInput(requestOf(input));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { ...input, state: { next: NEXT.finalize, outcome: OUTCOME.rejected, reason: err.message } };
  }
  // The steps after this one read the request as validated here, defaults included (they do not bundle the
  // schema), whoever started the execution.
  return { ...request, state: await decide(request, deps) };
}

type PreflightDeps = Pick<EndpointDeps, 'sagemaker' | 'cloudwatch' | 'serviceQuotas' | 'ledger' | 'now'>;

async function decide(request: EndpointUpdateRequest, deps: PreflightDeps): Promise<EndpointUpdateState> {
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
      ? { requestId: record.holder, since: record.heldSince, until: record.heldUntil ?? 0, kept: record.kept }
      : undefined,
    currentConfig,
    targetConfig,
    alarms,
    now: deps.now(),
  });
  if (refusals.length === 0 && currentConfig && targetConfig) {
    const types = [...currentConfig.variants, ...targetConfig.variants].flatMap((v) =>
      v.instanceType ? [v.instanceType] : [],
    );
    const quotas = await endpointInstanceQuotas(deps.serviceQuotas, [...new Set(types)]);
    if (Object.keys(quotas).length > 0) {
      const inUse = await instancesInUse(new Set(Object.keys(quotas)), deps);
      refusals.push(
        ...capacityRefusals({
          deployment: request.deployment,
          current: currentConfig,
          target: targetConfig,
          inUse,
          quotas,
        }),
      );
    }
  }
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
    targetEndpointConfigArn: targetConfig.arn,
    previousEndpointConfigName: endpoint.endpointConfigName,
    previousInstances: Math.max(0, ...(currentConfig?.variants ?? []).map((v) => v.instanceCount)),
    ...(endpoint.lastModifiedAt ? { unchangedSince: endpoint.lastModifiedAt } : {}),
    // The first look comes when the guardrail's own waits can have passed; polling before that only costs.
    wait: Math.max(POLL_SECONDS, minimumDeploymentSeconds(request.deployment, instances)),
  };
}
