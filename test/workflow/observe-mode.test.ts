import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { TRIGGER_SETTINGS_VARIABLE, triggerSettings } from '#lib/triggers/settings';
import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent } from '../../sandbox/runner.ts';
import { scheduleInvocation } from '../../sandbox/schedules.ts';
import { mutatingCalls } from '../support/sandbox.ts';

// A first deployment: caretaker.yml says nothing of a mode, so caretaker observes. The trigger functions read
// their settings once, when first loaded: this file's settings are set before any run loads them.
const config = parseConfig(
  `
defaults:
  timezone: Europe/Berlin
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0' }
    settings: { rootAccess: Disabled }
`,
  'first-deploy.yml',
);
process.env[TRIGGER_SETTINGS_VARIABLE] = JSON.stringify(triggerSettings(config));

const START = '2026-11-23T02:00:00Z';
const fleet = parseFleet(
  `
start: ${START}
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-2, status: Stopped, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-3, status: InService, rootAccess: Disabled, tags: { patch-group: weekly, caretaker:exempt: until-2027-01-01 } }
`,
  'fleet.yml',
);
const sample = (file: string): SandboxEvent =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../events/samples', file), 'utf8')) as SandboxEvent;

describe('a first deployment observes: caretaker.yml without a mode', () => {
  it('reads as mode observe', () => {
    expect(config.mode).toBe('observe');
  });

  it("runs the group's scheduled window as a dry run whose Completed event carries the plan", async () => {
    // Act
    const run = await runSandbox(fleet, [], {
      invocations: [scheduleInvocation(config, 'weekly', Date.parse(START))],
    });

    // Assess: nothing changed, and the outcomes topic learns what would have.
    expect(mutatingCalls(run)).toBe(0);
    const completed = run.result.events.find((e) => e['detail-type'] === 'Notebook Patch Completed');
    expect(completed?.detail).toMatchObject({
      dryRun: true,
      total: 3,
      planCounts: { cycle: 1, update: 1, skip: 1 },
      plan: [
        {
          name: 'nb-1',
          action: 'cycle',
          stops: true,
          fits: true,
          changes: [{ setting: 'rootAccess', before: 'Enabled', after: 'Disabled' }],
        },
        { name: 'nb-2', action: 'update', stops: false, reason: expect.stringMatching(/stays stopped/) },
        { name: 'nb-3', action: 'skip', outcome: 'skipped-exempt', status: 'InService' },
      ],
    });
  });

  it('notes a Security Hub finding instead of patching, saying what act mode would do', async () => {
    // Act
    const run = await runSandbox(fleet, [sample('securityhub-sagemaker3-consolidated.json')]);

    // Assess
    expect(run.result.executions).toEqual([]);
    expect(mutatingCalls(run)).toBe(0);
    const noted = run.result.events.filter((e) => e['detail-type'] === 'Finding Noted');
    expect(noted.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        origin: 'securityhub',
        notebook: 'nb-1',
        action: 'reported',
        controls: ['SageMaker.3'],
        settings: { rootAccess: 'Disabled' },
        reason: expect.stringMatching(/mode is observe.*patched at once/),
      }),
    ]);
  });
});
