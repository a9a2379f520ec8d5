/**
 * EventBridge rules from `events/rules.json`: the same pattern files the sandbox routes through, each rule
 * on the bus its events arrive on, delivering to its function with a retry policy and the dead-letter queue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '#lib/errors';
import type { FunctionSpec } from './functions.ts';
import { EVENT_BUS_LOGICAL_ID } from './iam.ts';

export const DEAD_LETTER_QUEUE_LOGICAL_ID = 'DeliveryDeadLetterQueue';

/** EventBridge keeps retrying a failed delivery for up to a day by default; a stale trigger is worse. */
export const DELIVERY_RETRY_POLICY = { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 };

export interface RuleSpec {
  name: string;
  /** `patterns/<file>.json`, relative to `events/` */
  pattern: string;
  target: string;
}

export interface LoadedRule extends RuleSpec {
  eventPattern: Record<string, unknown>;
  /** AWS services publish on the default bus; caretaker's own sources on the caretaker bus. */
  bus: 'default' | 'caretaker';
}

const issue = (field: string, message: string) => ({ field, message });

/** Reads `events/rules.json` and every pattern it names; errors name the file, the field and the value. */
export function loadRules(eventsDir: string): LoadedRule[] {
  const file = join(eventsDir, 'rules.json');
  const rules: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(rules))
    throw new ValidationError([issue('(file)', 'expected an array of { name, pattern, target }')], {
      resource: file,
    });
  return rules.map((rule: Partial<RuleSpec>, i): LoadedRule => {
    const problems = (['name', 'pattern', 'target'] as const)
      .filter((field) => typeof rule[field] !== 'string' || rule[field] === '')
      .map((field) => issue(`[${i}].${field}`, `got ${JSON.stringify(rule[field])}, expected a string`));
    if (typeof rule.name === 'string' && !/^[a-z0-9][a-z0-9-]*$/.test(rule.name))
      problems.push(issue(`[${i}].name`, `got ${JSON.stringify(rule.name)}, expected kebab-case`));
    if (problems.length > 0) throw new ValidationError(problems, { resource: file });
    const spec = rule as RuleSpec;
    const eventPattern = JSON.parse(readFileSync(join(eventsDir, spec.pattern), 'utf8')) as Record<
      string,
      unknown
    >;
    const sources = eventPattern.source;
    if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === 'string'))
      throw new ValidationError([issue('source', 'expected a non-empty list of event sources')], {
        resource: join(eventsDir, spec.pattern),
      });
    const fromAws = sources.map((s: string) => s.startsWith('aws.'));
    if (fromAws.some((a) => a !== fromAws[0]))
      throw new ValidationError(
        [
          issue(
            'source',
            `got ${JSON.stringify(sources)}, expected all aws.* or none (they arrive on different buses)`,
          ),
        ],
        { resource: join(eventsDir, spec.pattern) },
      );
    return { ...spec, eventPattern, bus: fromAws[0] ? 'default' : 'caretaker' };
  });
}

const pascal = (text: string) =>
  text.replace(/(^|[-_])([a-z0-9])/gi, (_, _sep, c: string) => c.toUpperCase());

export const ruleLogicalId = (name: string) => `${pascal(name)}Rule`;

/** A rule and the permission that lets it invoke its function. */
export function ruleResources(rule: LoadedRule, target: FunctionSpec): Record<string, unknown> {
  const ruleId = ruleLogicalId(rule.name);
  return {
    [ruleId]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `\${self:service}-\${sls:stage}-${rule.name}`,
        Description: `events/${rule.pattern} → ${rule.target}`,
        EventBusName: rule.bus === 'default' ? 'default' : { Ref: EVENT_BUS_LOGICAL_ID },
        EventPattern: rule.eventPattern,
        State: 'ENABLED',
        Targets: [
          {
            Id: rule.target,
            Arn: { 'Fn::GetAtt': [target.logicalId, 'Arn'] },
            RetryPolicy: DELIVERY_RETRY_POLICY,
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE_LOGICAL_ID, 'Arn'] } },
          },
        ],
      },
    },
    [`${ruleId}Permission`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [target.logicalId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    },
  };
}
