import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/triggers/caretaker-config';
import { disposeFindings } from '#lib/triggers/finding-modes';
import type { NotebookPatchRequest } from '#lib/triggers/findings';
import { readTriggerSettings, triggerEnvironment, triggerSettings } from '#lib/triggers/settings';
import { caught } from '../../support/errors.ts';

const config = (head: string, findings = '') =>
  parseConfig(
    `${head}
patchGroups:
  - name: weekly
    targets: { tags: { patch-group: weekly } }
    schedule: { cron: '0 3 * * 0', timezone: Europe/Berlin }
${findings}
  - name: strict
    targets: { tags: { team: risk } }
    schedule: { cron: '0 2 * * 6', timezone: UTC }
    findings: report-only
`,
    'caretaker.yml',
  );

const request = (notebook: string): NotebookPatchRequest => ({
  requestId: `finding-${notebook}`,
  reason: 'finding',
  source: { kind: 'securityhub-finding', id: 'f1', findingIds: ['f1'], controls: ['SageMaker.3'] },
  targets: { names: [notebook] },
  settings: { rootAccess: 'Disabled' },
  policy: {},
});
const tags = new Map<string, Record<string, string>>([
  ['nb-weekly', { 'patch-group': 'weekly' }],
  ['nb-both', { 'patch-group': 'weekly', team: 'risk' }],
  ['nb-none', {}],
]);
const TUESDAY = new Date('2026-11-24T14:00:00Z');

describe('caretaker.yml mode and findings', () => {
  it('observes when the file does not say, and findings are immediate unless a group says', () => {
    const parsed = config('');
    expect(parsed.mode).toBe('observe');
    expect(parsed.patchGroups.map((g) => g.findings)).toEqual(['immediate', 'report-only']);
  });

  it('names the field, the value and what was expected for a mode or a findings it does not know', () => {
    const error = caught(() => config('mode: enforce', '    findings: later'));
    expect(error.issues).toEqual([
      { field: 'mode', message: expect.stringMatching(/expected observe .* or act \(got "enforce"\)/) },
      {
        field: 'patchGroups[0].findings',
        message: expect.stringMatching(/expected one of immediate, next-window, report-only \(got "later"\)/),
      },
    ]);
  });

  it("carries the mode, each group's findings and schedule to the trigger functions", () => {
    const settings = readTriggerSettings(
      triggerEnvironment(config('mode: act', '    findings: next-window')),
    );
    expect(settings.mode).toBe('act');
    expect(settings.groups[0]).toMatchObject({
      name: 'weekly',
      findings: 'next-window',
      schedule: { cron: '0 3 * * 0', timezone: 'Europe/Berlin' },
    });
  });

  it('reads settings written before modes existed as a deployment that acted', () => {
    const { mode: _mode, ...old } = triggerSettings(config('mode: act'));
    expect(readTriggerSettings({ CARETAKER_TRIGGER_SETTINGS: JSON.stringify(old) }).mode).toBe('act');
  });
});

describe('disposeFindings: what a remediable finding does', () => {
  it('only notes every finding when observing, saying what acting would do', () => {
    const { immediate, noted } = disposeFindings(
      [request('nb-weekly')],
      triggerSettings(config('')),
      tags,
      TUESDAY,
    );
    expect(immediate).toEqual([]);
    expect(noted).toEqual([
      expect.objectContaining({
        notebook: 'nb-weekly',
        action: 'reported',
        reason: expect.stringMatching(
          /observe: nothing is changed \(in act mode this finding would be patched at once\)/,
        ),
      }),
    ]);
  });

  it("queues for the group's next window, saying when, when the group says next-window", () => {
    const settings = triggerSettings(config('mode: act', '    findings: next-window'));
    const { immediate, noted } = disposeFindings(
      [request('nb-weekly'), request('nb-none')],
      settings,
      tags,
      TUESDAY,
    );
    expect(immediate.map((r) => r.requestId)).toEqual(['finding-nb-none']);
    expect(noted).toEqual([
      expect.objectContaining({
        notebook: 'nb-weekly',
        action: 'queued',
        group: 'weekly',
        appliesAt: '2026-11-29T02:00:00.000Z',
        findingIds: ['f1'],
        controls: ['SageMaker.3'],
        settings: { rootAccess: 'Disabled' },
      }),
    ]);
  });

  it('gives a notebook in several groups the strictest answer: report-only over next-window', () => {
    const settings = triggerSettings(config('mode: act', '    findings: next-window'));
    const { immediate, noted } = disposeFindings([request('nb-both')], settings, tags, TUESDAY);
    expect(immediate).toEqual([]);
    expect(noted[0]).toMatchObject({ action: 'reported', group: 'strict' });
  });
});
