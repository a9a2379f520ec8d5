import { describe, expect, it } from 'vitest';
import { exemptionOn, readExemption, utcDay } from '#lib/exemptions';
import { planTargets } from '#lib/notebook/targets';
import { endlessExemptions, exemptEvents } from '#lib/triggers/exempt-report';

const TAG = 'caretaker:exempt';
const at = (iso: string) => Date.parse(iso);

describe('an exempt tag until a date', () => {
  it('exempts through its last day in UTC and stops at the next midnight UTC', () => {
    // Prepare
    const tags = { [TAG]: 'until-2026-11-30' };

    // Act
    const lastMinute = exemptionOn(tags, TAG, at('2026-11-30T23:59:59Z'));
    const nextDay = exemptionOn(tags, TAG, at('2026-12-01T00:00:00Z'));
    // 00:30 in Berlin on Dec 1 is still Nov 30 in UTC: the window's date is judged in UTC.
    const berlinMorning = exemptionOn(tags, TAG, at('2026-12-01T00:30:00+01:00'));

    // Assess
    expect(lastMinute).toEqual({ tag: TAG, value: 'until-2026-11-30', until: '2026-11-30' });
    expect(nextDay).toBeUndefined();
    expect(berlinMorning?.until).toBe('2026-11-30');
  });

  it('exempts with no end when the value has no date, or a date that does not exist, and says why', () => {
    // Act
    const plain = readExemption(TAG, 'SEC-42 approved by alice');
    const empty = readExemption(TAG, '');
    const impossible = readExemption(TAG, 'until-2026-02-30');
    const words = readExemption(TAG, 'until-next-quarter');

    // Assess
    expect(plain).toEqual({ tag: TAG, value: 'SEC-42 approved by alice' });
    expect(empty).toEqual({ tag: TAG, value: '' });
    expect(impossible.until).toBeUndefined();
    expect(impossible.problem).toMatch(/"2026-02-30" is not a date \(expected until-YYYY-MM-DD\)/);
    expect(words.problem).toMatch(/"next-quarter" is not a date/);
    expect(exemptionOn({ [TAG]: 'until-2026-02-30' }, TAG, at('2030-01-01T00:00:00Z'))).toBeDefined();
  });

  it('reads the day of a moment in UTC', () => {
    expect(utcDay(at('2026-12-31T23:30:00-02:00'))).toBe('2027-01-01');
  });
});

describe('target selection with exemptions', () => {
  const policy = { exemptTag: TAG, includeStopped: true };
  const fleet = [
    { name: 'nb-expired', status: 'InService', tags: { [TAG]: 'until-2026-11-22' } },
    { name: 'nb-dated', status: 'InService', tags: { [TAG]: 'until-2026-12-31' } },
    { name: 'nb-forever', status: 'InService', tags: { [TAG]: 'legal hold' } },
  ];
  const names = { names: fleet.map((n) => n.name) };

  it("cycles a notebook whose exemption ended before the window's day, and skips the others with their tag", () => {
    // Act
    const { plan, skipped } = planTargets(names, fleet, policy, at('2026-11-23T02:00:00Z'));

    // Assess
    expect(plan).toEqual([{ name: 'nb-expired' }]);
    expect(skipped).toEqual([
      { name: 'nb-dated', outcome: 'skipped-exempt', reason: `tagged ${TAG}=until-2026-12-31` },
      { name: 'nb-forever', outcome: 'skipped-exempt', reason: `tagged ${TAG}=legal hold` },
    ]);
  });

  it('cycles exempt notebooks too when the request overrides exemptions (a control they never cover)', () => {
    // Act
    const { plan } = planTargets(
      names,
      fleet,
      { ...policy, overridesExemption: true },
      at('2026-11-23T02:00:00Z'),
    );

    // Assess
    expect(plan.map((p) => p.name)).toEqual(['nb-expired', 'nb-dated', 'nb-forever']);
  });
});

describe('the audit of exemptions with no end', () => {
  it('names the notebooks exempt forever, with their other caretaker tags, and leaves dated ones out', () => {
    // Prepare
    const members: Array<{ name: string; tags: Record<string, string> }> = [
      { name: 'nb-forever', tags: { [TAG]: 'legal hold', 'caretaker:exempt-by': 'alice', team: 'risk' } },
      { name: 'nb-typo', tags: { [TAG]: 'until-2026-13-01' } },
      { name: 'nb-dated', tags: { [TAG]: 'until-2027-01-31' } },
      { name: 'nb-plain', tags: {} },
    ];

    // Act
    const found = endlessExemptions(members, { name: 'weekly', exemptTag: TAG }, at('2026-12-01T06:00:00Z'));

    // Assess
    expect(found).toEqual([
      {
        notebook: 'nb-forever',
        patchGroup: 'weekly',
        exemptTag: TAG,
        value: 'legal hold',
        caretakerTags: { 'caretaker:exempt-by': 'alice' },
      },
      expect.objectContaining({ notebook: 'nb-typo', problem: expect.stringMatching(/not a date/) }),
    ]);
  });

  it('says in each event that tags carry no dates, and where to find out since when', () => {
    // Prepare
    const found = endlessExemptions(
      [{ name: 'nb-1', tags: { [TAG]: '' } }],
      { name: 'weekly', exemptTag: TAG },
      at('2026-12-01T06:00:00Z'),
    );

    // Act
    const [event] = exemptEvents(found, new Date('2026-12-01T06:00:00Z'));

    // Assess
    expect(event).toEqual({
      detailType: 'Notebook Exempt',
      detail: expect.objectContaining({
        notebook: 'nb-1',
        until: null,
        since: null,
        sinceNote: expect.stringMatching(/CloudTrail's AddTags events/),
        auditedAt: '2026-12-01T06:00:00.000Z',
      }),
    });
  });
});
