/**
 * The generated stack's values as CloudFormation and the Framework resolve them once deployed (stage dev,
 * us-east-1, one account), so IAM policies can be handed to a simulator as AWS would evaluate them.
 */
import { EVENT_BUS_LOGICAL_ID, LEDGER_TABLE_LOGICAL_ID } from '../../deploy/iam.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const STAGE = 'dev';
const SERVICE = 'caretaker';

/** What CloudFormation appends to the names it makes up (`<stack>-<logical id>-<suffix>`). */
const SUFFIX = '1Q2W3E4R5T6Y';

/**
 * The ARN a logical id deploys as: the caretaker bus, the ledger table, or an IAM role, the last two named as
 * CloudFormation names what it creates without a name.
 */
export function deployedArn(logicalId: string, resources: Record<string, unknown>): string {
  if (logicalId === EVENT_BUS_LOGICAL_ID) return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${SERVICE}`;
  if (logicalId === LEDGER_TABLE_LOGICAL_ID)
    return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${SERVICE}-${STAGE}-${logicalId}-${SUFFIX}`;
  const type = (resources[logicalId] as { Type?: string } | undefined)?.Type;
  if (type === 'AWS::IAM::Role')
    return `arn:aws:iam::${ACCOUNT}:role/${SERVICE}-${STAGE}-${logicalId}-${SUFFIX}`;
  throw new Error(`the test does not know what ${logicalId} (${type ?? 'not in the stack'}) deploys as`);
}

/** A template value with its intrinsic functions and the Framework's variables resolved. */
export function resolveValue(value: unknown, resources: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, resources));
  if (typeof value === 'string') {
    return value.replace('${self:service}', SERVICE).replace('${sls:stage}', STAGE);
  }
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    if (attribute !== 'Arn') throw new Error(`unexpected Fn::GetAtt ${id}.${attribute}`);
    return deployedArn(id, resources);
  }
  if ('Ref' in object) {
    if (object.Ref === EVENT_BUS_LOGICAL_ID) return SERVICE;
    if (object.Ref === 'AWS::AccountId') return ACCOUNT;
    throw new Error(`unexpected Ref ${String(object.Ref)}`);
  }
  if ('Fn::Sub' in object) {
    const known: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'self:service': SERVICE,
      'sls:stage': STAGE,
    };
    return String(object['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const resolved = known[name];
      if (resolved === undefined) throw new Error(`unexpected \${${name}}`);
      return resolved;
    });
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveValue(v, resources)]));
}
