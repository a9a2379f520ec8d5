/**
 * The caretaker bus's resource policy: only the principals `caretaker.yml` names as `requesters` may put
 * `caretaker.requests` events, only caretaker's own function roles may put `source: caretaker` events, and
 * no other source is accepted at all.
 *
 * Within one account an identity policy alone can allow `events:PutEvents` (IAM allows a request that either
 * policy allows), so an Allow here would restrict nobody: the limits are explicit Denies, which win over any
 * Allow. The Allow for the requesters is what lets a requester in another account put requests (its own
 * identity policy must allow it too). `events:source` holds the source of every entry of a PutEvents call,
 * hence `ForAnyValue` in the Denies (one forged entry is enough to refuse the call) and `ForAllValues` in
 * the Allow, as AWS's own example does ("Example policy: Send events to a custom bus in a different
 * account", EventBridge User Guide).
 *
 * One `AWS::Events::EventBusPolicy` per statement (the bus's own `Policy` property cannot name the function
 * roles: their policies name the bus, a dependency cycle). CloudFormation knows such a policy by its
 * statement id account-wide, so the ids carry the service and stage; each policy waits for the one before
 * it, so the bus's policy is never written by two of them at once.
 */
import { CARETAKER_SOURCE } from '#lib/aws/eventbridge';
import { REQUEST_SOURCE } from '#lib/triggers/requests';
import type { LoadedFunction } from './stack.ts';
import { EVENT_BUS_LOGICAL_ID } from './iam.ts';

export const PUT_EVENTS = 'events:PutEvents';

type Statement = Record<string, unknown>;

const busArn = { 'Fn::GetAtt': [EVENT_BUS_LOGICAL_ID, 'Arn'] };

/** `arn:aws:iam::111122223333:role/x` → `arn:aws:iam::111122223333:root`: the account a requester is in. */
function accountRoot(principalArn: string): string {
  const [arn, partition, , , account] = principalArn.split(':');
  return `${arn}:${partition}:iam::${account}:root`;
}

/** The functions that put events on the bus: those whose handlers declare events:PutEvents. */
export function publishers(functions: readonly LoadedFunction[]): LoadedFunction[] {
  return functions.filter((fn) => fn.permissions.some((p) => p.action === PUT_EVENTS));
}

/**
 * The bus policy's statements by name, in the order they are written.
 *
 * @example Object.keys(busPolicyStatements([], functions)) // → ['DenyRequestsFromOthers', 'DenyCaretakerSourceFromOthers', 'DenyOtherSources']
 */
export function busPolicyStatements(
  requesters: readonly string[],
  functions: readonly LoadedFunction[],
): Record<string, Statement> {
  const deny = (condition: Record<string, unknown>): Statement => ({
    Effect: 'Deny',
    Principal: '*',
    Action: PUT_EVENTS,
    Resource: busArn,
    Condition: condition,
  });
  const statements: Record<string, Statement> = {};
  if (requesters.length > 0) {
    statements.AllowRequesters = {
      Effect: 'Allow',
      Principal: { AWS: [...new Set(requesters.map(accountRoot))] },
      Action: PUT_EVENTS,
      Resource: busArn,
      Condition: {
        'ForAllValues:StringEquals': { 'events:source': [REQUEST_SOURCE] },
        ArnLike: { 'aws:PrincipalArn': [...requesters] },
      },
    };
  }
  statements.DenyRequestsFromOthers = deny({
    'ForAnyValue:StringEquals': { 'events:source': [REQUEST_SOURCE] },
    // Nobody named: nobody may put requests.
    ...(requesters.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...requesters] } } : {}),
  });
  statements.DenyCaretakerSourceFromOthers = deny({
    'ForAnyValue:StringEquals': { 'events:source': [CARETAKER_SOURCE] },
    ArnNotEquals: {
      'aws:PrincipalArn': publishers(functions).map((fn) => ({ 'Fn::GetAtt': [fn.roleLogicalId, 'Arn'] })),
    },
  });
  statements.DenyOtherSources = deny({
    'ForAnyValue:StringNotEquals': { 'events:source': [CARETAKER_SOURCE, REQUEST_SOURCE] },
  });
  return statements;
}

/** The `AWS::Events::EventBusPolicy` resources, one per statement, written one after the other. */
export function busPolicyResources(
  requesters: readonly string[],
  functions: readonly LoadedFunction[],
): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  let previous: string | undefined;
  for (const [name, statement] of Object.entries(busPolicyStatements(requesters, functions))) {
    const logicalId = `BusPolicy${name}`;
    resources[logicalId] = {
      Type: 'AWS::Events::EventBusPolicy',
      ...(previous ? { DependsOn: previous } : {}),
      Properties: {
        EventBusName: { Ref: EVENT_BUS_LOGICAL_ID },
        StatementId: `\${self:service}-\${sls:stage}-${name}`,
        Statement: statement,
      },
    };
    previous = logicalId;
  }
  return resources;
}
