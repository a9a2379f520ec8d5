/**
 * EventBridge Scheduler schedules: one per patch group of `caretaker.yml` (its cron in its IANA time zone,
 * with its flexible window) invoking `triggersOpenWindow`, and the daily audit invoking `triggersAudit`.
 * Their inputs come from the same functions the sandbox uses, so both invoke the triggers alike.
 */
import type { CaretakerConfig, Mode, PatchGroup } from '#lib/triggers/caretaker-config';
import { toSchedulerExpression } from '#lib/triggers/schedule';
import { AUDIT_SCHEDULE, auditTargetInput } from '#lib/triggers/audit';
import { scheduleTargetInput } from '#lib/triggers/windows';
import { ValidationError } from '#lib/errors';
import type { FunctionSpec } from './functions.ts';
import { DEAD_LETTER_QUEUE_LOGICAL_ID, DELIVERY_RETRY_POLICY } from './rules.ts';
import { serviceRole } from './iam.ts';

export const SCHEDULE_GROUP_LOGICAL_ID = 'CaretakerScheduleGroup';
export const SCHEDULER_ROLE_LOGICAL_ID = 'SchedulerRole';
export const AUDIT_SCHEDULE_LOGICAL_ID = 'AuditSchedule';

const pascal = (text: string) =>
  text.replace(/(^|[-_])([a-z0-9])/gi, (_, _sep, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

export const scheduleLogicalId = (group: string) => `PatchGroup${pascal(group)}Schedule`;

interface ScheduleOptions {
  name: string;
  description: string;
  expression: string;
  timezone: string;
  flexibleWindowMinutes: number;
  target: FunctionSpec;
  input: unknown;
}

function schedule(options: ScheduleOptions) {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Name: options.name,
      GroupName: { Ref: SCHEDULE_GROUP_LOGICAL_ID },
      Description: options.description,
      ScheduleExpression: options.expression,
      ScheduleExpressionTimezone: options.timezone,
      FlexibleTimeWindow:
        options.flexibleWindowMinutes > 0
          ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: options.flexibleWindowMinutes }
          : { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [options.target.logicalId, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [SCHEDULER_ROLE_LOGICAL_ID, 'Arn'] },
        Input: JSON.stringify(options.input),
        RetryPolicy: {
          MaximumRetryAttempts: DELIVERY_RETRY_POLICY.MaximumRetryAttempts,
          MaximumEventAgeInSeconds: DELIVERY_RETRY_POLICY.MaximumEventAgeInSeconds,
        },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE_LOGICAL_ID, 'Arn'] } },
      },
    },
  };
}

/**
 * The schedule that opens one patch group's window. It is deployed ENABLED in both modes: observing, the
 * window it opens is a dry run (its input says so), which reports the group's plan and changes nothing.
 */
export function patchGroupSchedule(group: PatchGroup, openWindow: FunctionSpec, mode: Mode) {
  return schedule({
    name: `patch-${group.name}`,
    description: `${mode === 'observe' ? 'Dry run (mode: observe) of the patch' : 'Patch'} window of group ${group.name}: ${group.schedule.cron} (${group.schedule.timezone})`,
    expression: group.schedule.expression,
    timezone: group.schedule.timezone,
    flexibleWindowMinutes: group.schedule.flexibleWindowMinutes,
    target: openWindow,
    input: scheduleTargetInput(group, mode),
  });
}

/**
 * Every schedule resource plus the role Scheduler assumes, which may invoke exactly the targets and write
 * to the dead-letter queue. Missing trigger functions leave their schedules out.
 */
export function scheduleResources(
  config: CaretakerConfig,
  openWindow: FunctionSpec | undefined,
  audit: FunctionSpec | undefined,
): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  if (openWindow) {
    for (const group of config.patchGroups) {
      const id = scheduleLogicalId(group.name);
      const other = seen.get(id);
      if (other !== undefined)
        throw new ValidationError([
          {
            field: 'patchGroups[].name',
            message: `"${group.name}" and "${other}" both become ${id}, expected names that differ in more than "-"/"_"`,
          },
        ]);
      seen.set(id, group.name);
      resources[id] = patchGroupSchedule(group, openWindow, config.mode);
    }
  }
  if (audit) {
    resources[AUDIT_SCHEDULE_LOGICAL_ID] = schedule({
      name: 'audit',
      description: `Daily audit of notebooks overdue for a restart: ${AUDIT_SCHEDULE.cron} (${AUDIT_SCHEDULE.timezone})`,
      expression: toSchedulerExpression(AUDIT_SCHEDULE.cron),
      timezone: AUDIT_SCHEDULE.timezone,
      flexibleWindowMinutes: 0,
      target: audit,
      input: auditTargetInput(config),
    });
  }
  const targets = [openWindow, audit].filter((spec): spec is FunctionSpec => spec !== undefined);
  if (targets.length === 0) return resources;
  resources[SCHEDULE_GROUP_LOGICAL_ID] = {
    Type: 'AWS::Scheduler::ScheduleGroup',
    Properties: { Name: '${self:service}-${sls:stage}' },
  };
  resources[SCHEDULER_ROLE_LOGICAL_ID] = serviceRole(
    'scheduler.amazonaws.com',
    'invoke-triggers',
    [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: targets.map((spec) => ({ 'Fn::GetAtt': [spec.logicalId, 'Arn'] })),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE_LOGICAL_ID, 'Arn'] },
      },
    ],
    true,
  );
  return resources;
}
