/**
 * The deployable stack, checked on the CloudFormation template `npm run package` builds offline: least
 * privilege derived from the handlers' declared permissions, the state machines exactly as their ASL files,
 * every rule and schedule the repository defines. Expectations come from the source files (handlers,
 * statemachines/, events/, caretaker.yml), not from the generator.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Permission, ResourceKind } from '#lib/iam';
import { loadConfig } from '#lib/triggers/caretaker-config';
import { SCHEDULED_TIME } from '#lib/triggers/windows';
import { TRIGGER_SETTINGS_VARIABLE, triggerEnvironment } from '#lib/triggers/settings';
import { ValidationError } from '#lib/errors';
import { policyStatements } from '../../deploy/iam.ts';
import { substituteFunctions, validateDefinition } from '../../deploy/state-machines.ts';
import type { FunctionSpec } from '../../deploy/functions.ts';

const root = resolve(import.meta.dirname, '../..');
const STAGE_PREFIX = 'caretaker-dev-';
const TRACING = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
const STATE_MACHINE_TRACING = new Set([...TRACING, 'xray:GetSamplingRules', 'xray:GetSamplingTargets']);
const OWN_LOGS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents']);

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Handler {
  key: string;
  file: string;
  permissions: Permission[];
}

let resources: Record<string, CfnResource>;
let handlers: Handler[];
let omitted: string[];

const pascal = (kebab: string) => kebab.replace(/(^|-)([a-z0-9])/g, (_, _dash, c: string) => c.toUpperCase());
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const getAtt = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt']?.[0];
const sub = (value: unknown): string | undefined => {
  const template = (value as { 'Fn::Sub'?: string | [string, unknown] } | null)?.['Fn::Sub'];
  return Array.isArray(template) ? template[0] : template;
};

function lambdaOf(key: string): string {
  const found = ofType('AWS::Lambda::Function').find(
    ([, r]) => r.Properties.FunctionName === STAGE_PREFIX + key,
  );
  if (!found) throw new Error(`no Lambda function ${STAGE_PREFIX + key} in the template`);
  return found[0];
}

function statementsOf(roleId: string): Statement[] {
  const role = resources[roleId];
  expect(role?.Type, roleId).toBe('AWS::IAM::Role');
  const policies = (role?.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  expect(role?.Properties.ManagedPolicyArns, `${roleId} has managed policies`).toBeUndefined();
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const roleOfFunction = (key: string) => getAtt(resources[lambdaOf(key)]?.Properties.Role) as string;

/** The Lambda logical ids a state machine role may invoke (`arn` and `arn:*` for versions). */
function invokedFunctions(statements: Statement[]): Set<string> {
  return new Set(
    statements
      .filter((s) => list(s.Action).includes('lambda:InvokeFunction'))
      .flatMap((s) => list(s.Resource))
      .map((r) => {
        const direct = getAtt(r);
        if (direct) return direct;
        const vars = (r as { 'Fn::Sub': [string, Record<string, unknown>] })['Fn::Sub'][1];
        return getAtt(Object.values(vars)[0]) as string;
      }),
  );
}

/** `${functionKey}` strings of an ASL document. */
function functionReferences(node: unknown, found = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    const key = /^\$\{(\w+)\}$/.exec(node)?.[1];
    if (key) found.add(key);
  } else if (node && typeof node === 'object') {
    for (const value of Object.values(node)) functionReferences(value, found);
  }
  return found;
}

function replaceStrings(node: unknown, replace: (text: string) => unknown): unknown {
  if (typeof node === 'string') return replace(node);
  if (Array.isArray(node)) return node.map((item) => replaceStrings(item, replace));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replaceStrings(v, replace)]));
  return node;
}

const STATE_MACHINE_FILES = {
  'notebook-patch': 'statemachines/notebook-patch.asl.yaml',
  'endpoint-update': 'statemachines/endpoint-update.asl.yaml',
};
const presentStateMachines = () =>
  Object.entries(STATE_MACHINE_FILES).filter(([, file]) => existsSync(join(root, file)));

function stateMachineNamed(name: string): [string, CfnResource] {
  const found = ofType('AWS::StepFunctions::StateMachine').find(
    ([, r]) => r.Properties.StateMachineName === STAGE_PREFIX + name,
  );
  if (!found) throw new Error(`no state machine ${STAGE_PREFIX + name} in the template`);
  return found;
}

beforeAll(async () => {
  try {
    execFileSync('npm', ['run', '-s', 'package'], {
      cwd: root,
      env: { ...process.env, CARETAKER_TRACING: 'false' },
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run package failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  resources = JSON.parse(
    readFileSync(join(root, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ).Resources;
  omitted = JSON.parse(readFileSync(join(root, '.build/omitted.json'), 'utf8'));
  handlers = [];
  for (const group of ['notebook', 'endpoint', 'triggers']) {
    const dir = join(root, 'functions', group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const file = join(dir, entry);
      const module = (await import(pathToFileURL(file).href)) as { permissions: Permission[] };
      handlers.push({
        key: group + pascal(entry.replace(/\.ts$/, '')),
        file,
        permissions: module.permissions,
      });
    }
  }
}, 180_000);

describe('the packaged CloudFormation template', () => {
  it('has one function per handler file, each with a role of its own and no shared role', () => {
    // Prepare
    const functionNames = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties.FunctionName);

    // Act
    const roles = handlers.map((h) => roleOfFunction(h.key));

    // Assess
    expect(functionNames.sort()).toEqual(handlers.map((h) => STAGE_PREFIX + h.key).sort());
    expect(new Set(roles).size).toBe(handlers.length);
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
    }
  });

  it('deploys each function from a zip of its own that holds the one module its handler names', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      // Prepare
      const key = (fn.Properties.FunctionName as string).slice(STAGE_PREFIX.length);
      const handler = fn.Properties.Handler as string;
      const s3Key = (fn.Properties.Code as { S3Key: string }).S3Key;

      // Act
      const entries = unzipSync(readFileSync(join(root, '.build/artifacts', `${key}.zip`)));

      // Assess: `functions/notebook/stop.handler` is the export `handler` of functions/notebook/stop.mjs.
      const module = handler.replace(/\.handler$/, '.mjs');
      expect(s3Key.endsWith(`/${key}.zip`), id).toBe(true);
      expect(Object.keys(entries), id).toEqual([module]);
      // (A boolean, not toMatch: a failure would print the whole bundle.)
      const exportsHandler = /export\s*\{[^}]*\bas handler\b[^}]*\}\s*;?\s*$/;
      expect(exportsHandler.test(new TextDecoder().decode(entries[module])), id).toBe(true);
    }
  });

  it('records each invocation with active tracing, and leaves the Tracer out unless packaged with it', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      // Act
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess: packaged with CARETAKER_TRACING=false (beforeAll).
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(variables.CARETAKER_TRACING, id).toBe('false');
    }
  });

  it('allows each function exactly the actions its handler declares, besides its own logs and tracing', () => {
    for (const handler of handlers) {
      // Act
      const statements = statementsOf(roleOfFunction(handler.key));
      const granted = new Set(statements.flatMap((s) => list(s.Action)));

      // Assess
      const declared = new Set(handler.permissions.map((p) => p.action));
      expect([...granted].sort(), handler.key).toEqual(
        [...new Set([...declared, ...OWN_LOGS, ...TRACING])].sort(),
      );
      const logs = statements.find((s) => list(s.Action).includes('logs:PutLogEvents'));
      expect(sub(logs?.Resource), handler.key).toBe(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${STAGE_PREFIX}${handler.key}:*`,
      );
    }
  });

  it('scopes each declared action to its kind of resource in the account and region of the stack', () => {
    // Prepare
    const sagemaker = (path: string) =>
      `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${path}`;
    const stateMachineArn = (name: string) =>
      `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STAGE_PREFIX}${name}`;
    const stack = (type: string) => ofType(type).map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    const expected: Record<ResourceKind, unknown[]> = {
      'notebook-instance': [{ 'Fn::Sub': sagemaker('notebook-instance/*') }],
      'notebook-instance-lifecycle-config': [
        { 'Fn::Sub': sagemaker('notebook-instance-lifecycle-config/*') },
      ],
      endpoint: [{ 'Fn::Sub': sagemaker('endpoint/*') }],
      'endpoint-config': [{ 'Fn::Sub': sagemaker('endpoint-config/*') }],
      alarm: [{ 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' }],
      'event-bus': stack('AWS::Events::EventBus'),
      'ledger-table': stack('AWS::DynamoDB::Table'),
      'state-machine': Object.keys(STATE_MACHINE_FILES).map((name) => ({ 'Fn::Sub': stateMachineArn(name) })),
      account: ['*'],
    };

    for (const handler of handlers) {
      // Act
      const statements = statementsOf(roleOfFunction(handler.key));

      // Assess
      for (const { action, resources } of handler.permissions.filter((p) => p.action !== 'iam:PassRole')) {
        const granting = statements.filter((s) => list(s.Action).includes(action));
        expect(granting, `${handler.key} ${action}`).toHaveLength(resources.length);
        expect(
          granting.map((s) => list(s.Resource)),
          `${handler.key} ${action}`,
        ).toEqual(expect.arrayContaining(resources.map((kind) => expected[kind])));
      }
    }
  });

  it('allows Resource "*" only for actions that cannot be scoped, and no wildcard action anywhere', () => {
    // Prepare
    const accountActions = new Set(
      handlers.flatMap((h) =>
        h.permissions.filter((p) => p.resources.includes('account')).map((p) => p.action),
      ),
    );
    const policies = [
      ...ofType('AWS::IAM::Role').flatMap(([id]) => statementsOf(id).map((s) => [id, s] as const)),
      ...[...ofType('AWS::SNS::TopicPolicy'), ...ofType('AWS::SQS::QueuePolicy')].flatMap(([id, r]) =>
        (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((s) => [id, s] as const),
      ),
    ];

    // Act
    const allows = policies.filter(([, s]) => s.Effect === 'Allow');

    // Assess
    expect(allows.length).toBeGreaterThan(handlers.length);
    for (const [id, statement] of allows) {
      for (const action of list(statement.Action)) expect(action, id).not.toMatch(/\*/);
      if (list(statement.Resource).includes('*')) {
        for (const action of list(statement.Action))
          expect(
            accountActions.has(action) || STATE_MACHINE_TRACING.has(action),
            `${id} ${action} on *`,
          ).toBe(true);
      }
    }
  });

  it('grants iam:PassRole only where a handler declares it, and only towards SageMaker', () => {
    for (const handler of handlers) {
      // Act
      const passing = statementsOf(roleOfFunction(handler.key)).filter((s) =>
        list(s.Action).includes('iam:PassRole'),
      );

      // Assess
      const declared = handler.permissions.some((p) => p.action === 'iam:PassRole');
      expect(passing, handler.key).toHaveLength(declared ? 1 : 0);
      for (const statement of passing) {
        expect(list(statement.Action)).toEqual(['iam:PassRole']);
        expect(statement.Condition).toEqual({
          StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        });
      }
    }
  });

  it('lets each state machine invoke only the functions its definition names', () => {
    for (const [name, file] of presentStateMachines()) {
      // Prepare
      const [, machine] = stateMachineNamed(name);
      const keys = functionReferences(parse(readFileSync(join(root, file), 'utf8'), { maxAliasCount: -1 }));

      // Act
      const invoked = invokedFunctions(statementsOf(getAtt(machine.Properties.RoleArn) as string));

      // Assess
      expect([...invoked].sort(), name).toEqual([...keys].map(lambdaOf).sort());
    }
  });

  it('deploys each state machine definition as its ASL file with the function ARNs substituted', () => {
    for (const [name, file] of presentStateMachines()) {
      // Prepare
      const asl = parse(readFileSync(join(root, file), 'utf8'), { maxAliasCount: -1 });
      const expected = replaceStrings(asl, (text) => {
        const key = /^\$\{(\w+)\}$/.exec(text)?.[1];
        return key ? { 'Fn::GetAtt': [lambdaOf(key), 'Arn'] } : text;
      });
      const [, machine] = stateMachineNamed(name);
      const [body, variables] = (
        machine.Properties.DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] }
      )['Fn::Sub'];

      // Act
      const deployed = replaceStrings(JSON.parse(body), (text) => {
        const variable = /^\$\{(\w+)\}$/.exec(text)?.[1];
        return variable && variable in variables ? variables[variable] : text;
      });

      // Assess
      expect(deployed, name).toEqual(expected);
    }
  });

  it('alarms on failed and timed-out executions of every state machine', () => {
    for (const [name] of presentStateMachines()) {
      // Prepare
      const [id] = stateMachineNamed(name);

      // Act
      const metrics = ofType('AWS::CloudWatch::Alarm')
        .map(([, r]) => r.Properties)
        .filter(
          (p) =>
            p.Namespace === 'AWS/States' &&
            JSON.stringify(p.Dimensions) ===
              JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: id } }]),
        )
        .map((p) => p.MetricName);

      // Assess
      expect(metrics.sort(), name).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    }
  });

  it('routes every rule of events/rules.json with its pattern, a retry policy and the dead-letter queue', () => {
    // Prepare
    const rules = JSON.parse(readFileSync(join(root, 'events/rules.json'), 'utf8')) as Array<{
      name: string;
      pattern: string;
      target: string;
    }>;
    const keys = new Set(handlers.map((h) => h.key));
    const queues = new Set(ofType('AWS::SQS::Queue').map(([id]) => id));

    for (const rule of rules) {
      if (!keys.has(rule.target)) {
        expect(omitted, rule.name).toContain(`rule ${rule.name}: target ${rule.target} has no handler file`);
        continue;
      }
      // Act
      const found = ofType('AWS::Events::Rule').find(
        ([, r]) => r.Properties.Name === STAGE_PREFIX + rule.name,
      );

      // Assess
      expect(found, rule.name).toBeDefined();
      const [id, resource] = found as [string, CfnResource];
      const pattern = JSON.parse(readFileSync(join(root, 'events', rule.pattern), 'utf8'));
      expect(resource.Properties.EventPattern, rule.name).toEqual(pattern);
      const fromAws = (pattern.source as string[]).every((s) => s.startsWith('aws.'));
      expect(resource.Properties.EventBusName, rule.name).toEqual(
        fromAws ? 'default' : { Ref: ofType('AWS::Events::EventBus')[0]?.[0] },
      );
      const [target] = resource.Properties.Targets as Array<Record<string, unknown>>;
      expect(getAtt(target?.Arn), rule.name).toBe(lambdaOf(rule.target));
      expect((target?.RetryPolicy as { MaximumRetryAttempts: number }).MaximumRetryAttempts).toBeGreaterThan(
        0,
      );
      expect(
        queues.has(getAtt((target?.DeadLetterConfig as { Arn: unknown }).Arn) as string),
        rule.name,
      ).toBe(true);
      const permission = ofType('AWS::Lambda::Permission').find(
        ([, r]) => getAtt(r.Properties.SourceArn) === id,
      );
      expect(getAtt(permission?.[1].Properties.FunctionName), rule.name).toBe(lambdaOf(rule.target));
    }
  });

  it('forwards the outcome events caretaker emits to the outcomes topic', () => {
    // Act
    const forwarding = ofType('AWS::Events::Rule').filter(([, r]) =>
      (r.Properties.Targets as Array<{ Arn: unknown }>).some((t) =>
        ofType('AWS::SNS::Topic').some(([topic]) => JSON.stringify(t.Arn) === JSON.stringify({ Ref: topic })),
      ),
    );

    // Assess
    expect(forwarding).toHaveLength(1);
    expect(forwarding[0]?.[1].Properties.EventPattern).toEqual({
      source: ['caretaker'],
      'detail-type': [
        'Notebook Patch Completed',
        'Endpoint Update Completed',
        'Endpoint Rolled Back',
        'Finding Not Remediable',
        'Notebook Patch Overdue',
        'Notebook Exempt',
        'Request Rejected',
      ],
    });
  });

  it("refuses the caretaker bus's events to everyone but caretaker.yml's requesters and caretaker's own emitting roles", () => {
    // Prepare
    const [[busId] = []] = ofType('AWS::Events::EventBus');
    const { requesters } = loadConfig(join(root, 'caretaker.yml'));
    const emitting = handlers.filter((h) => h.permissions.some((p) => p.action === 'events:PutEvents'));

    // Act
    const statements = ofType('AWS::Events::EventBusPolicy').map(([, r]) => {
      expect(r.Properties.EventBusName).toEqual({ Ref: busId });
      return r.Properties.Statement as Statement & { Principal: unknown };
    });

    // Assess
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies.every((s) => s.Principal === '*' && s.Action === 'events:PutEvents')).toBe(true);
    const bySource = (operator: string, source: string) =>
      denies.find((s) => {
        const sources = s.Condition?.[operator]?.['events:source'] as string[] | undefined;
        return sources?.includes(source);
      });
    const requests = bySource('ForAnyValue:StringEquals', 'caretaker.requests');
    expect(requests?.Condition?.ArnNotLike?.['aws:PrincipalArn']).toEqual(
      requesters.length > 0 ? requesters : undefined,
    );
    const own = bySource('ForAnyValue:StringEquals', 'caretaker');
    const roles = (own?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as unknown[]).map(getAtt);
    expect(roles.sort()).toEqual(emitting.map((h) => roleOfFunction(h.key)).sort());
    expect(bySource('ForAnyValue:StringNotEquals', 'caretaker')?.Condition).toEqual({
      'ForAnyValue:StringNotEquals': { 'events:source': ['caretaker', 'caretaker.requests'] },
    });
  });

  it("gives the trigger functions caretaker.yml's request limits, exemptions and groups in their environment", () => {
    // Prepare
    const expected = triggerEnvironment(loadConfig(join(root, 'caretaker.yml')));

    for (const handler of handlers) {
      // Act
      const variables = (
        resources[lambdaOf(handler.key)]?.Properties.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;

      // Assess
      if (handler.key.startsWith('triggers'))
        expect(variables[TRIGGER_SETTINGS_VARIABLE], handler.key).toBe(expected[TRIGGER_SETTINGS_VARIABLE]);
      else expect(variables[TRIGGER_SETTINGS_VARIABLE], handler.key).toBeUndefined();
    }
  });

  it('schedules each patch group of caretaker.yml with its cron, time zone and flexible window', () => {
    // Prepare
    const { patchGroups } = loadConfig(join(root, 'caretaker.yml'));
    const openWindow = lambdaOf('triggersOpenWindow');

    // Act
    const schedules = ofType('AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => getAtt((p.Target as { Arn: unknown }).Arn) === openWindow);

    // Assess
    expect(schedules).toHaveLength(patchGroups.length);
    for (const group of patchGroups) {
      const schedule = schedules.find((s) => s.Name === `patch-${group.name}`);
      expect(schedule, group.name).toBeDefined();
      expect(schedule?.ScheduleExpression).toBe(group.schedule.expression);
      expect(schedule?.ScheduleExpressionTimezone).toBe(group.schedule.timezone);
      expect(schedule?.FlexibleTimeWindow).toEqual(
        group.schedule.flexibleWindowMinutes > 0
          ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: group.schedule.flexibleWindowMinutes }
          : { Mode: 'OFF' },
      );
      const input = JSON.parse((schedule?.Target as { Input: string }).Input);
      expect(input).toMatchObject({ group: group.name, scheduledTime: SCHEDULED_TIME });
    }
  });

  it('charts windows run, notebooks patched, rollbacks and failed executions on the dashboard', () => {
    // Prepare
    const [[, dashboard] = []] = ofType('AWS::CloudWatch::Dashboard');
    const body = JSON.parse(sub(dashboard?.Properties.DashboardBody) ?? '{}') as {
      widgets: Array<{ properties: { metrics: unknown[][] } }>;
    };

    // Act
    const charted = body.widgets.flatMap((w) => w.properties.metrics).map((m) => JSON.stringify(m));

    // Assess
    const has = (text: string) => charted.some((m) => m.includes(text));
    expect(has('"Caretaker","PatchWindows"')).toBe(true);
    expect(has('"Caretaker","Notebooks.patched"')).toBe(true);
    expect(has('rolled back')).toBe(true);
    for (const [name] of presentStateMachines())
      expect(
        has(
          `"ExecutionsFailed","StateMachineArn","arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${STAGE_PREFIX}${name}"`,
        ),
        name,
      ).toBe(true);
  });

  it('runs the overdue audit daily through its own schedule', () => {
    // Act
    const audits = ofType('AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => getAtt((p.Target as { Arn: unknown }).Arn) === lambdaOf('triggersAudit'));

    // Assess
    expect(audits).toHaveLength(1);
    expect(audits[0]?.ScheduleExpression).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
  });
});

describe('the role statements derived from declared permissions', () => {
  const spec: FunctionSpec = {
    key: 'notebookApplySettings',
    path: 'notebook/apply-settings',
    group: 'notebook',
    file: 'functions/notebook/apply-settings.ts',
    handler: 'functions/notebook/apply-settings.handler',
    logicalId: 'NotebookApplySettingsLambdaFunction',
    roleLogicalId: 'NotebookApplySettingsRole',
    timeoutSeconds: 60,
  };

  it('passes roles to SageMaker alone when a handler declares iam:PassRole', () => {
    // Act
    const statements = policyStatements(spec, [
      { action: 'sagemaker:UpdateNotebookInstance', resources: ['notebook-instance'] },
      { action: 'iam:PassRole', resources: ['account'] },
    ]);

    // Assess
    const passRole = statements.filter((s) => s.Action.includes('iam:PassRole'));
    expect(passRole).toEqual([
      {
        Sid: 'PassRoleToSageMaker',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' },
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      },
    ]);
  });

  it('puts actions on "*" only for the kind that cannot be scoped', () => {
    // Act
    const statements = policyStatements(spec, [
      { action: 'sagemaker:ListNotebookInstances', resources: ['account'] },
      { action: 'sagemaker:DescribeNotebookInstance', resources: ['notebook-instance'] },
    ]);

    // Assess
    const onEverything = statements.filter((s) => list(s.Resource).includes('*')).flatMap((s) => s.Action);
    expect(onEverything.sort()).toEqual(['sagemaker:ListNotebookInstances', ...TRACING].sort());
  });
});

describe('the state machine definitions the generator deploys', () => {
  const functions = new Map([['notebookStop', { logicalId: 'NotebookStopLambdaFunction' } as FunctionSpec]]);

  it('refuses a "${" that is not a whole function reference, since the Framework would read it as a variable', () => {
    // Prepare
    const definition = {
      StartAt: 'Stop',
      States: { Stop: { Type: 'Pass', Comment: 'costs ${cost}', End: true } },
    };

    // Act
    const substitute = () => substituteFunctions(definition, functions, 'statemachines/x.asl.yaml');

    // Assess
    expect(substitute).toThrow(/States\.Stop\.Comment: got "costs \$\{cost\}"/);
  });

  it('reports the functions a definition names that have no handler file yet', () => {
    // Prepare
    const definition = {
      StartAt: 'Stop',
      States: {
        Stop: { Type: 'Task', Resource: '${notebookStop}', Next: 'Start' },
        Start: { Type: 'Task', Resource: '${notebookStart}', End: true },
      },
    };

    // Act
    const result = substituteFunctions(definition, functions, 'statemachines/x.asl.yaml');

    // Assess
    expect(result.functions).toEqual(['notebookStop']);
    expect(result.missing).toEqual(['notebookStart']);
  });

  it('refuses a definition that is not valid ASL, naming the file', () => {
    // Prepare
    const definition = {
      StartAt: 'Missing',
      States: { Stop: { Type: 'Task', Resource: '${notebookStop}', End: true } },
    };

    // Act
    const validate = () =>
      validateDefinition(
        substituteFunctions(definition, functions, 'x').definition,
        'statemachines/x.asl.yaml',
      );

    // Assess
    expect(validate).toThrow(ValidationError);
    expect(validate).toThrow(/expected valid ASL/);
  });
});
