import { createHash } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { parseEndpointUpdateRequest, type EndpointUpdateRequest } from '../endpoint/request.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { putEvents, type EventClients } from '../aws/eventbridge.ts';
import { permissionsOf } from '../iam.ts';
import {
  parsePatchRequest,
  policySchema,
  settingsRequestSchema,
  targetsSchema,
  type PatchRequest,
} from '../notebook/request.ts';
import { startExecution } from '../aws/stepfunctions.ts';
import type { TriggerResult } from './result.ts';
import { parseOrThrow } from '../validation.ts';

export const REQUEST_SOURCE = 'caretaker.requests';

export const patchRequestedDetailSchema = z.strictObject({
  requestedBy: z.string().min(1, 'expected who asks (a user or team name)').max(256),
  reason: z.string().min(1, 'expected why (a ticket, a CVE)').max(1024),
  targets: targetsSchema,
  settings: settingsRequestSchema.optional(),
  policy: policySchema.optional(),
});

const envelopeSchema = z.looseObject({
  id: z.string().optional(),
  source: z.literal(REQUEST_SOURCE),
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown(), 'expected an object'),
});

export interface RequestDeps {
  sfn: SFNClient;
  events: EventClients;
  notebookPatchStateMachineArn: string;
  endpointUpdateStateMachineArn: string;
}

/**
 * An execution name for a request event: its EventBridge id (so a repeated delivery of the same event
 * starts nothing new), or a digest of the event when it carries no usable id.
 */
export function requestIdFor(prefix: string, event: { id?: string | undefined; detail: unknown }): string {
  const id = event.id && /^[A-Za-z0-9-]{1,64}$/.test(event.id) ? event.id : undefined;
  return `${prefix}-${id ?? createHash('sha256').update(JSON.stringify(event.detail)).digest('hex').slice(0, 32)}`;
}

export function toPatchRequest(event: { id?: string | undefined; detail: unknown }): PatchRequest {
  const detail = parseOrThrow(patchRequestedDetailSchema, event.detail, 'detail');
  return parsePatchRequest({
    requestId: requestIdFor('request', event),
    reason: 'request',
    source: {
      kind: 'request',
      ...(event.id ? { id: event.id } : {}),
      requestedBy: detail.requestedBy,
      note: detail.reason,
    },
    targets: detail.targets,
    settings: detail.settings ?? {},
    ...(detail.policy ? { policy: detail.policy } : {}),
  });
}

interface RequestKind {
  build: (event: { id?: string | undefined; detail: unknown }) => { requestId: string };
  stateMachineArn: (deps: RequestDeps) => string;
}

/** The endpoint-update workflow's input: the validated detail, named after the request event. */
export function toEndpointUpdateRequest(event: {
  id?: string | undefined;
  detail: unknown;
}): EndpointUpdateRequest {
  return { requestId: requestIdFor('update', event), ...parseEndpointUpdateRequest(event.detail) };
}

const kinds = new Map<string, RequestKind>([
  [
    'Notebook Patch Requested',
    { build: toPatchRequest, stateMachineArn: (d) => d.notebookPatchStateMachineArn },
  ],
  [
    'Endpoint Update Requested',
    { build: toEndpointUpdateRequest, stateMachineArn: (d) => d.endpointUpdateStateMachineArn },
  ],
]);

export const fromRequestPermissions = permissionsOf(startExecution, putEvents);

/**
 * A request from a person: validate it whole, then start its workflow under a name derived from the event.
 * An invalid request starts nothing and is answered with a `Request Rejected` event listing every problem.
 */
export async function fromRequest(input: unknown, deps: RequestDeps): Promise<TriggerResult> {
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
    const request = kind.build(event);
    const started = await startExecution(deps.sfn, kind.stateMachineArn(deps), request.requestId, request);
    return started.started
      ? { started: [request.requestId], duplicates: [] }
      : { started: [], duplicates: [request.requestId] };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    issues = err.issues;
  }
  const event = input as { id?: string; 'detail-type'?: string; detail?: { requestedBy?: unknown } };
  await putEvents(deps.events, [
    {
      detailType: 'Request Rejected',
      detail: {
        requestEventId: event?.id,
        requestType: event?.['detail-type'],
        requestedBy: event?.detail?.requestedBy,
        errors: issues,
      },
    },
  ]);
  return { started: [], duplicates: [], rejected: issues };
}
