import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { discoverFunctions } from '../../deploy/functions.ts';
import { scheduleLogicalId, scheduleResources } from '../../deploy/schedules.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const functions = new Map(discoverFunctions(ROOT).map((spec) => [spec.key, spec]));
const config = (mode: string) =>
  parseConfig(
    `${mode}
patchGroups:
  - { name: weekly, targets: { tags: { patch-group: weekly } }, schedule: { cron: '0 3 * * 0', timezone: UTC }, auditStartsPatch: true }
`,
    'caretaker.yml',
  );

/** The deployed inputs of the group's schedule and the audit's, as Scheduler will hand them over. */
function deployed(mode: string) {
  const resources = scheduleResources(
    config(mode),
    functions.get('triggersOpenWindow'),
    functions.get('triggersAudit'),
  );
  const props = (id: string) =>
    (resources[id] as { Properties: { State: string; Description: string; Target: { Input: string } } })
      .Properties;
  const group = props(scheduleLogicalId('weekly'));
  const audit = props('AuditSchedule');
  return { group, input: JSON.parse(group.Target.Input), audit: JSON.parse(audit.Target.Input) };
}

describe('deployed schedules follow the mode', () => {
  it('observing: enabled, with windows and the audit’s patches as dry runs, and a description that says so', () => {
    const { group, input, audit } = deployed('');
    expect(group.State).toBe('ENABLED');
    expect(group.Description).toMatch(/^Dry run \(mode: observe\) of the patch window of group weekly/);
    expect(input.policy.dryRun).toBe(true);
    expect(audit.groups[0].policy.dryRun).toBe(true);
  });

  it('acting: enabled, windows that act', () => {
    const { group, input, audit } = deployed('mode: act');
    expect(group.State).toBe('ENABLED');
    expect(group.Description).toMatch(/^Patch window of group weekly/);
    expect(input.policy.dryRun).toBeUndefined();
    expect(audit.groups[0].policy.dryRun).toBeUndefined();
  });
});
