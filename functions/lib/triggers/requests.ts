/**
 * People's requests (`caretaker.requests` on the caretaker bus): who may send them is the bus policy's
 * business (deploy/bus-policy.ts); what they may ask for is checked here, against `caretaker.yml`
 * `requests` (request-limits.ts). A request within its schema and its limits starts its workflow, named
 * after the event; any other gets a `Request Rejected` event with every reason, and nothing starts.
 * `requestedBy` is what the requester says about themselves: recorded (sanitised), never trusted.
 */
import { createHash } from 'node:crypto';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod/mini';
import { parseEndpointUpdateRequest, type EndpointUpdateRequest } from '../endpoint/request.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { putEvents, type EventClients } from '../aws/eventbridge.ts';
import { listEndpointTags } from '../aws/sagemaker/tags.ts';
import { permissionsOf } from '../iam.ts';
import {
  parsePatchRequest,
  policySchema,
  settingsRequestSchema,
  targetsSchema,
  type PatchRequest,
} from '../notebook/request.ts';
import { startExecution } from '../aws/stepfunctions.ts';
import { echoIssues, echoText } from './echo.ts';
import type { Home } from './home.ts';
import {
  endpointRequestIssues,
  patchRequestIssues,
  policyDefaults,
  type AskedPatch,
} from './request-limits.ts';
import type { TriggerResult } from './result.ts';
import { DEFAULT_TRIGGER_SETTINGS, type TriggerSettings } from './settings.ts';
import { parseOrThrow } from '../validation.ts';

export const REQUEST_SOURCE = 'caretaker.requests';

export const patchRequestedDetailSchema = z.strictObject({
  requestedBy: z.string().check(z.minLength(1, 'expected who asks (a user or team name)'), z.maxLength(256)),
  reason: z.string().check(z.minLength(1, 'expected why (a ticket, a CVE)'), z.maxLength(1024)),
  targets: targetsSchema,
  settings: z.optional(settingsRequestSchema),
  // Whether an exemption is overridden is for the finding triggers to say, never for a person.
  policy: z.optional(z.omit(policySchema, { overridesExemption: true })),
});

const envelopeSchema = z.looseObject({
  id: z.optional(z.string()),
  source: z.literal(REQUEST_SOURCE),
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown(), 'expected an object'),
});

/** The limits a request is held to: what it may ask for, and the deployment's own exempt tag. */
export type RequestRules = Pick<TriggerSettings, 'requests' | 'exemptTag'>;

export interface RequestDeps {
  sfn: SFNClient;
  events: EventClients;
  notebookPatchStateMachineArn: string;
  endpointUpdateStateMachineArn: string;
  settings: TriggerSettings;
}

/** What `from-request` also needs: the endpoints' tags (for limits by tag) and where it runs. */
export type FromRequestDeps = RequestDeps & { sagemaker: SageMakerClient; home: Home };

type RequestEvent = { id?: string | undefined; detail: unknown };

/**
 * An execution name for a request event: its EventBridge id (so a repeated delivery of the same event
 * starts nothing new), or a digest of the event when it carries no usable id.
 */
export function requestIdFor(prefix: string, event: RequestEvent): string {
  const id = event.id && /^[A-Za-z0-9-]{1,64}$/.test(event.id) ? event.id : undefined;
  return `${prefix}-${id ?? createHash('sha256').update(JSON.stringify(event.detail)).digest('hex').slice(0, 32)}`;
}

/**
 * The notebook-patch input for a `Notebook Patch Requested` event within its limits: the deployment's
 * exempt tag, the policy values left out filled in under the ceilings, the requester's words sanitised.
 * Throws a ValidationError naming every field that breaks the schema or a limit.
 *
 * @example toPatchRequest(event).policy.exemptTag // → 'caretaker:exempt'
 */
export function toPatchRequest(
  event: RequestEvent,
  rules: RequestRules = DEFAULT_TRIGGER_SETTINGS,
): PatchRequest {
  const detail = parseOrThrow(patchRequestedDetailSchema, event.detail, 'detail');
  const asked = event.detail as AskedPatch;
  const beyond = patchRequestIssues(asked, rules.requests);
  if (beyond.length > 0) throw new ValidationError(beyond);
  const defaults = policyDefaults(rules.requests);
  return parsePatchRequest({
    requestId: requestIdFor('request', event),
    reason: 'request',
    source: {
      kind: 'request',
      ...(event.id ? { id: event.id } : {}),
      requestedBy: echoText(detail.requestedBy),
      note: echoText(detail.reason, 1024),
    },
    targets: detail.targets,
    settings: detail.settings ?? {},
    policy: {
      ...detail.policy,
      maxConcurrency:
        asked.policy?.maxConcurrency === undefined ? defaults.maxConcurrency : detail.policy?.maxConcurrency,
      maxErrors: asked.policy?.maxErrors === undefined ? defaults.maxErrors : detail.policy?.maxErrors,
      exemptTag: rules.exemptTag,
    },
  });
}

/**
 * The endpoint-update workflow's input for an `Endpoint Update Requested` event within its limits: the
 * validated detail (the requester's words sanitised), named after the event.
 */
export async function toEndpointUpdateRequest(
  event: RequestEvent,
  deps: Pick<FromRequestDeps, 'settings' | 'sagemaker' | 'home'>,
): Promise<EndpointUpdateRequest> {
  const detail = parseEndpointUpdateRequest(event.detail);
  const { endpoints } = deps.settings.requests;
  const { partition, region, account } = deps.home;
  // SageMaker ARNs carry the name in lower case.
  const arn = `arn:${partition}:sagemaker:${region}:${account}:endpoint/${detail.endpointName.toLowerCase()}`;
  const tags = endpoints.tags ? await listEndpointTags(deps.sagemaker, arn) : {};
  const beyond = endpointRequestIssues(
    { endpointName: detail.endpointName, strategy: detail.deployment.strategy },
    deps.settings.requests,
    tags,
  );
  if (beyond.length > 0) throw new ValidationError(beyond);
  const { requestedBy, reason, ...rest } = detail;
  const words = { requestedBy: echoText(requestedBy), reason: echoText(reason, 1024) };
  return {
    requestId: requestIdFor('update', event),
    ...rest,
    ...(words.requestedBy ? { requestedBy: words.requestedBy } : {}),
    ...(words.reason ? { reason: words.reason } : {}),
  };
}

interface RequestKind {
  build: (event: RequestEvent, deps: FromRequestDeps) => Promise<{ requestId: string }>;
  stateMachineArn: (deps: RequestDeps) => string;
}

const kinds = new Map<string, RequestKind>([
  [
    'Notebook Patch Requested',
    {
      build: async (event, deps) => toPatchRequest(event, deps.settings),
      stateMachineArn: (d) => d.notebookPatchStateMachineArn,
    },
  ],
  [
    'Endpoint Update Requested',
    { build: toEndpointUpdateRequest, stateMachineArn: (d) => d.endpointUpdateStateMachineArn },
  ],
]);

export const fromRequestPermissions = /* @__PURE__ */ permissionsOf(
  startExecution,
  putEvents,
  listEndpointTags,
);

/**
 * The `Request Rejected` event: which request, who it says asked, and every problem, as a bounded and
 * sanitised copy of what was sent (an event is no place to replay a requester's input whole).
 */
export function rejectedEvent(input: unknown, issues: readonly FieldIssue[]) {
  const event = (input ?? {}) as {
    id?: unknown;
    'detail-type'?: unknown;
    detail?: { requestedBy?: unknown };
  };
  return {
    detailType: 'Request Rejected',
    detail: {
      requestEventId: echoText(event.id) ?? null,
      requestType: echoText(event['detail-type']) ?? null,
      requestedBy: echoText(event.detail?.requestedBy) ?? null,
      ...echoIssues(issues),
    },
  };
}

/**
 * A request from a person: validate it whole and hold it to the limits, then start its workflow under a
 * name derived from the event. Anything else starts nothing and is answered with a `Request Rejected` event
 * listing every problem.
 */
export async function fromRequest(input: unknown, deps: FromRequestDeps): Promise<TriggerResult> {
  let issues: FieldIssue[];
  try {
    const event = parseOrThrow(envelopeSchema, input);
    const kind = kinds.get(event['detail-type']);
    if (!kind) {
      throw new ValidationError([
        {
          field: 'detail-type',
          message: `${JSON.stringify(event['detail-type'])} is not a request caretaker accepts (expected one of ${[...kinds.keys()].join(', ')})`,
        },
      ]);
    }
    const request = await kind.build(event, deps);
    const started = await startExecution(deps.sfn, kind.stateMachineArn(deps), request.requestId, request);
    return started.started
      ? { started: [request.requestId], duplicates: [] }
      : { started: [], duplicates: [request.requestId] };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    issues = err.issues;
  }
  const rejected = rejectedEvent(input, issues);
  await putEvents(deps.events, [rejected]);
  return { started: [], duplicates: [], rejected: rejected.detail.errors };
}
