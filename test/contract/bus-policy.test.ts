/**
 * Only the people caretaker.yml names can drive caretaker (DESIGN.md, "Safety guarantees" 6), proven by
 * evaluating the bus policy the stack deploys together with an identity policy, as AWS evaluates a
 * PutEvents call, with an IAM policy simulator (@cloud-copilot/iam-simulate). Every principal below is
 * allowed events:PutEvents on the bus by its own IAM: what decides is the bus policy.
 *
 * Request context as AWS builds it: `events:source` holds the source of every entry of the call (Service
 * Authorization Reference, Amazon EventBridge: an ArrayOfString key); `aws:PrincipalArn` is the role's ARN
 * for a role session (IAM User Guide, "AWS global condition context keys"). The simulator does not fill in
 * `aws:PrincipalArn` itself, so each request sets it as AWS would.
 */
import { resolve } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { busPolicyResources, publishers } from '../../deploy/bus-policy.ts';
import { buildStack, loadFunctions, type LoadedFunction, type StackFragments } from '../../deploy/stack.ts';
import { ACCOUNT, deployedArn, resolveValue } from '../support/cloudformation.ts';

const root = resolve(import.meta.dirname, '../..');
const BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/caretaker`;
const SECURITY_TEAM = `arn:aws:iam::${ACCOUNT}:role/SecurityTeam`;
const SSO_ADMINS = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_*`;
const AUDITOR_ELSEWHERE = 'arn:aws:iam::111122223333:role/Auditor';
const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/Developer`;

type Statement = Record<string, unknown>;
interface Policy {
  Version: string;
  Statement: Statement[];
}

let stack: StackFragments;
let functions: LoadedFunction[];

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  [stack, functions] = await Promise.all([buildStack(root), loadFunctions(root)]);
}, 120_000);

/** The bus policy of a deployment whose caretaker.yml names these requesters, as AWS stores it. */
function busPolicy(requesters: string[]): Policy {
  const yaml = `
patchGroups:
  - { name: weekly, targets: { tags: { patch-group: weekly } }, schedule: { cron: '0 3 * * 0', timezone: UTC } }
requesters: ${JSON.stringify(requesters)}
`;
  const { requesters: named } = parseConfig(yaml, 'caretaker.yml');
  const resources = busPolicyResources(named, functions) as Record<
    string,
    { Properties: { Statement: Statement; StatementId: string } }
  >;
  return {
    Version: '2012-10-17',
    Statement: Object.values(resources).map((r) => ({
      Sid: resolveValue(r.Properties.StatementId, stack.resources.Resources),
      ...(resolveValue(r.Properties.Statement, stack.resources.Resources) as Statement),
    })),
  };
}

/** An identity policy that lets its principal put any event on the bus. */
const mayPutEvents: Policy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS }],
};

/** The generated role of a function, resolved as deployed. */
function roleOf(fn: LoadedFunction): { arn: string; policies: Array<{ name: string; policy: Policy }> } {
  const role = stack.resources.Resources[fn.roleLogicalId] as {
    Properties: { Policies: Array<{ PolicyName: string; PolicyDocument: unknown }> };
  };
  return {
    arn: deployedArn(fn.roleLogicalId, stack.resources.Resources),
    policies: role.Properties.Policies.map((p) => ({
      name: p.PolicyName,
      policy: resolveValue(p.PolicyDocument, stack.resources.Resources) as Policy,
    })),
  };
}

/** The simulator's verdict on one PutEvents call with these sources, by a principal with these policies. */
async function putEvents(
  principal: string,
  sources: string[],
  resourcePolicy: Policy,
  identityPolicies = [{ name: 'may-put-events', policy: mayPutEvents }],
): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
      request: {
        action: 'events:PutEvents',
        principal,
        resource: { resource: BUS, accountId: ACCOUNT },
        contextVariables: { 'events:source': sources, 'aws:PrincipalArn': principal },
      },
    } as never,
    {},
  );
  if (result.resultType === 'error') return `simulation error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

describe('the caretaker bus policy, simulated with the identity policies of its callers', () => {
  it('lets a listed requester put caretaker.requests', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);

    // Act
    const verdict = await putEvents(SECURITY_TEAM, ['caretaker.requests'], policy);

    // Assess
    expect(verdict).toBe('Allowed');
  });

  it('denies caretaker.requests to a principal caretaker.yml does not name, though its own IAM allows it', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);

    // Act
    const verdict = await putEvents(DEVELOPER, ['caretaker.requests'], policy);

    // Assess
    expect(verdict).toBe('ExplicitlyDenied');
  });

  it('denies a listed requester a forged source caretaker, alone or in a call with a request', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);

    // Act
    const verdicts = await Promise.all([
      putEvents(SECURITY_TEAM, ['caretaker'], policy),
      putEvents(SECURITY_TEAM, ['caretaker.requests', 'caretaker'], policy),
    ]);

    // Assess
    expect(verdicts).toEqual(['ExplicitlyDenied', 'ExplicitlyDenied']);
  });

  it('lets every caretaker function that emits events put source caretaker with its own generated role', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);
    const emitting = publishers(functions);

    // Act
    const verdicts = await Promise.all(
      emitting.map(async (fn) => {
        const role = roleOf(fn);
        return [fn.key, await putEvents(role.arn, ['caretaker'], policy, role.policies)] as const;
      }),
    );

    // Assess
    expect(emitting.map((fn) => fn.key)).toEqual(
      expect.arrayContaining(['triggersFromRequest', 'triggersFromFinding', 'triggersAudit']),
    );
    expect(verdicts.filter(([, verdict]) => verdict !== 'Allowed')).toEqual([]);
  });

  it('denies a caretaker function role a request of its own making', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);
    const role = roleOf(functions.find((fn) => fn.key === 'triggersFromRequest')!);

    // Act
    const verdict = await putEvents(role.arn, ['caretaker.requests'], policy, role.policies);

    // Assess
    expect(verdict).toBe('ExplicitlyDenied');
  });

  it('denies every source but caretaker and caretaker.requests, even to a requester', async () => {
    // Prepare
    const policy = busPolicy([SECURITY_TEAM]);

    // Act
    const verdict = await putEvents(SECURITY_TEAM, ['com.example.orders'], policy);

    // Assess
    expect(verdict).toBe('ExplicitlyDenied');
  });

  it('matches an IAM Identity Center role by its name up to the random suffix, and no other', async () => {
    // Prepare
    const policy = busPolicy([SSO_ADMINS]);
    const admin = SSO_ADMINS.replace('*', '8f2c1a7d9e3b4c5f');
    const readOnly = admin.replace('PlatformAdmin', 'ReadOnly');

    // Act
    const verdicts = await Promise.all([
      putEvents(admin, ['caretaker.requests'], policy),
      putEvents(readOnly, ['caretaker.requests'], policy),
    ]);

    // Assess
    expect(verdicts).toEqual(['Allowed', 'ExplicitlyDenied']);
  });

  it("lets a requester of another account in, which the bus's Allow alone makes possible", async () => {
    // Prepare
    const named = busPolicy([AUDITOR_ELSEWHERE]);
    const unnamed = busPolicy([SECURITY_TEAM]);

    // Act
    const verdicts = await Promise.all([
      putEvents(AUDITOR_ELSEWHERE, ['caretaker.requests'], named),
      putEvents(AUDITOR_ELSEWHERE, ['caretaker.requests'], unnamed),
    ]);

    // Assess
    expect(verdicts[0]).toBe('Allowed');
    expect(verdicts[1]).not.toBe('Allowed');
  });

  it('lets nobody put requests when caretaker.yml names no requester, not even an administrator', async () => {
    // Prepare
    const policy = busPolicy([]);
    const administrator = {
      name: 'AdministratorAccess',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    };

    // Act
    const verdict = await putEvents(`arn:aws:iam::${ACCOUNT}:role/Admin`, ['caretaker.requests'], policy, [
      administrator,
    ]);

    // Assess
    expect(verdict).toBe('ExplicitlyDenied');
  });
});

describe('the bus policy in the generated stack', () => {
  it("is the repository's caretaker.yml's: no requester, so nobody may put requests", () => {
    // Prepare
    const deployed = Object.entries(stack.resources.Resources).filter(
      ([, r]) => (r as { Type: string }).Type === 'AWS::Events::EventBusPolicy',
    );

    // Act
    const expected = busPolicyResources([], functions);

    // Assess
    expect(Object.fromEntries(deployed)).toEqual(expected);
    expect(Object.keys(expected)).toEqual([
      'BusPolicyDenyRequestsFromOthers',
      'BusPolicyDenyCaretakerSourceFromOthers',
      'BusPolicyDenyOtherSources',
    ]);
  });

  it('names every statement after the stage, and writes them one after the other', () => {
    // Act
    const resources = Object.values(busPolicyResources([SECURITY_TEAM], functions)) as Array<{
      DependsOn?: string;
      Properties: { StatementId: string };
    }>;

    // Assess
    expect(resources.map((r) => r.Properties.StatementId)).toEqual([
      '${self:service}-${sls:stage}-AllowRequesters',
      '${self:service}-${sls:stage}-DenyRequestsFromOthers',
      '${self:service}-${sls:stage}-DenyCaretakerSourceFromOthers',
      '${self:service}-${sls:stage}-DenyOtherSources',
    ]);
    expect(resources.map((r) => r.DependsOn)).toEqual([
      undefined,
      'BusPolicyAllowRequesters',
      'BusPolicyDenyRequestsFromOthers',
      'BusPolicyDenyCaretakerSourceFromOthers',
    ]);
  });
});
