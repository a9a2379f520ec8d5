import { describe, expect, it } from 'vitest';
import { planTargets } from '#lib/notebook/targets';

const policy = { exemptTag: 'caretaker:exempt', includeStopped: true };
const NOW = Date.parse('2026-11-23T02:00:00Z');
const nb = (name: string, status = 'InService', tags: Record<string, string> = {}) => ({
  name,
  status,
  tags,
});

describe('planTargets', () => {
  it('cycles running and failed notebooks and applies settings to stopped ones', () => {
    // Prepare
    const fleet = [nb('a'), nb('b', 'Failed'), nb('c', 'Stopped')];
    // Act
    const { plan, skipped } = planTargets({ names: ['a', 'b', 'c'] }, fleet, policy, NOW);
    // Assess
    expect(plan.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(skipped).toEqual([]);
  });

  it('reports names that do not exist and exempt notebooks with reasons, and plans busy ones (their cycle waits)', () => {
    const fleet = [nb('a', 'InService', { 'caretaker:exempt': '' }), nb('b', 'Pending'), nb('c', 'Deleting')];
    const { plan, skipped } = planTargets({ names: ['a', 'b', 'c', 'ghost'] }, fleet, policy, NOW);
    expect(plan).toEqual([{ name: 'b' }]);
    expect(skipped).toEqual([
      { name: 'ghost', outcome: 'not-found', reason: 'no such notebook' },
      { name: 'a', outcome: 'skipped-exempt', reason: 'tagged caretaker:exempt' },
      { name: 'c', outcome: 'not-found', reason: 'being deleted' },
    ]);
  });

  it('selects by every tag given and ignores notebooks without them', () => {
    const fleet = [
      nb('a', 'InService', { group: 'weekly', env: 'dev' }),
      nb('b', 'InService', { group: 'weekly' }),
    ];
    expect(planTargets({ tags: { group: 'weekly', env: 'dev' } }, fleet, policy, NOW).plan).toEqual([
      { name: 'a' },
    ]);
  });

  it('leaves stopped notebooks out when includeStopped is false', () => {
    const { plan, skipped } = planTargets(
      { names: ['c'] },
      [nb('c', 'Stopped')],
      { ...policy, includeStopped: false },
      NOW,
    );
    expect(plan).toEqual([]);
    expect(skipped[0]).toMatchObject({ outcome: 'not-started' });
  });

  it('lists a name given twice once', () => {
    expect(planTargets({ names: ['a', 'a'] }, [nb('a')], policy, NOW).plan).toEqual([{ name: 'a' }]);
  });
});
