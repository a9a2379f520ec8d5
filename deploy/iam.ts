/**
 * Per-function IAM: the statements of a function's role come from the `permissions` its handler exports
 * (which come from the gateway calls it uses), one statement per resource kind, ARNs scoped to the stack's
 * account and region.
 */
import type { Permission, ResourceKind } from '#lib/iam';
import type { FunctionSpec } from './functions.ts';
import { ValidationError } from '#lib/errors';

export type CfnValue = string | { [fn: string]: unknown };

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, string>>;
}

export const EVENT_BUS_LOGICAL_ID = 'CaretakerEventBus';
export const LEDGER_TABLE_LOGICAL_ID = 'LedgerTable';

/** State machine names are fixed so roles and environments can name them without a reference cycle. */
export const STATE_MACHINE_NAMES = {
  notebookPatch: '${self:service}-${sls:stage}-notebook-patch',
  endpointUpdate: '${self:service}-${sls:stage}-endpoint-update',
} as const;

export const stateMachineArn = (name: string): CfnValue => ({
  'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}`,
});

const sagemakerArn = (path: string): CfnValue => ({
  'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${path}`,
});

/** Where each kind of resource lives; `account` is for actions AWS cannot scope to a resource. */
export const RESOURCE_ARNS: Record<ResourceKind, CfnValue[]> = {
  'notebook-instance': [sagemakerArn('notebook-instance/*')],
  'notebook-instance-lifecycle-config': [sagemakerArn('notebook-instance-lifecycle-config/*')],
  endpoint: [sagemakerArn('endpoint/*')],
  'endpoint-config': [sagemakerArn('endpoint-config/*')],
  alarm: [{ 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' }],
  'event-bus': [{ 'Fn::GetAtt': [EVENT_BUS_LOGICAL_ID, 'Arn'] }],
  'ledger-table': [{ 'Fn::GetAtt': [LEDGER_TABLE_LOGICAL_ID, 'Arn'] }],
  'state-machine': [
    stateMachineArn(STATE_MACHINE_NAMES.notebookPatch),
    stateMachineArn(STATE_MACHINE_NAMES.endpointUpdate),
  ],
  account: ['*'],
};

/**
 * `iam:PassRole` has no resource kind of its own: whatever kind it is declared with, it may pass the
 * account's roles to SageMaker only (UpdateNotebookInstance with a RoleArn).
 */
export const PASS_ROLE = 'iam:PassRole';
export const PASS_ROLE_STATEMENT: Omit<PolicyStatement, 'Action'> = {
  Effect: 'Allow',
  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' },
  Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
};

/** X-Ray accepts no resource-level permissions; these two are what active tracing needs. */
export const TRACING_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

const KINDS = new Set<string>(Object.keys(RESOURCE_ARNS));
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** Checks what a handler module exported as `permissions`; the error names the file and the entry. */
export function readPermissions(file: string, exported: unknown): Permission[] {
  if (!Array.isArray(exported)) {
    throw new ValidationError(
      [
        {
          field: 'permissions',
          message: `got ${typeof exported}, expected an exported array of { action, resources }`,
        },
      ],
      { resource: file },
    );
  }
  const issues = exported.flatMap((entry: unknown, i) => {
    const { action, resources } = (entry ?? {}) as { action?: unknown; resources?: unknown };
    const found: Array<{ field: string; message: string }> = [];
    if (typeof action !== 'string' || !ACTION.test(action))
      found.push({
        field: `permissions[${i}].action`,
        message: `got ${JSON.stringify(action)}, expected "service:Action" without wildcards`,
      });
    if (
      !Array.isArray(resources) ||
      resources.length === 0 ||
      !resources.every((kind) => typeof kind === 'string' && KINDS.has(kind))
    )
      found.push({
        field: `permissions[${i}].resources`,
        message: `got ${JSON.stringify(resources)}, expected a non-empty list of ${[...KINDS].join(', ')}`,
      });
    return found;
  });
  if (issues.length > 0) throw new ValidationError(issues, { resource: file });
  return exported as Permission[];
}

/**
 * The statements of one function's role: its log group, tracing, and one statement per resource kind it
 * declared (PassRole on its own, with its condition). An action declared on several kinds is in each of
 * their statements, so AWS finds it allowed on every resource it checks.
 *
 * @example policyStatements(spec, [{ action: 'sagemaker:StopNotebookInstance', resources: ['notebook-instance'] }])
 *   // → [logs…, xray…, { Sid: 'NotebookInstance', Action: ['sagemaker:StopNotebookInstance'], Resource: [arn…/notebook-instance/*] }]
 */
export function policyStatements(spec: FunctionSpec, permissions: readonly Permission[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: {
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/\${self:service}-\${sls:stage}-${spec.key}:*`,
      },
    },
    { Sid: 'Tracing', Effect: 'Allow', Action: [...TRACING_ACTIONS], Resource: '*' },
  ];
  const byKind = new Map<ResourceKind, Set<string>>();
  const passRole = permissions.some((p) => p.action === PASS_ROLE);
  for (const { action, resources } of permissions) {
    if (action === PASS_ROLE) continue;
    for (const kind of resources) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(action));
  }
  for (const [kind, actions] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push({
      Sid: kind.replace(/(^|-)([a-z])/g, (_, _dash, c: string) => c.toUpperCase()),
      Effect: 'Allow',
      Action: [...actions].sort(),
      Resource: RESOURCE_ARNS[kind],
    });
  }
  if (passRole) statements.push({ Sid: 'PassRoleToSageMaker', Action: [PASS_ROLE], ...PASS_ROLE_STATEMENT });
  return statements;
}

/**
 * A role only `service` may assume, with one inline policy; `ownAccountOnly` adds the confused-deputy guard
 * (`aws:SourceAccount`) for services that act on behalf of a resource (Step Functions, Scheduler).
 */
export function serviceRole(
  service: string,
  policyName: string,
  statements: readonly PolicyStatement[],
  ownAccountOnly = false,
) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: service },
            Action: 'sts:AssumeRole',
            ...(ownAccountOnly
              ? { Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }
              : {}),
          },
        ],
      },
      Policies: [
        { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
    },
  };
}

/** The function's own role: assumable by Lambda only, with exactly {@link policyStatements}. */
export function functionRole(spec: FunctionSpec, permissions: readonly Permission[]) {
  return serviceRole('lambda.amazonaws.com', spec.key, policyStatements(spec, permissions));
}
