import { describeExemption, exemptionOn } from '../exemptions.ts';
import type { PatchPolicy } from './request.ts';
import type { NotebookResult } from './outcomes.ts';

export interface Candidate {
  name: string;
  status: string;
  tags: Record<string, string>;
}

export interface TargetPlan {
  plan: Array<{ name: string }>;
  skipped: NotebookResult[];
}

/** The notebooks a request names (by name or by tags), before exemption and status are considered. */
export function matchTargets(
  targets: { names: string[] } | { tags: Record<string, string> },
  notebooks: Array<{ name: string }>,
): { matched: string[]; missing: string[] } {
  if ('names' in targets) {
    const present = new Set(notebooks.map((n) => n.name));
    const wanted = [...new Set(targets.names)];
    return { matched: wanted.filter((n) => present.has(n)), missing: wanted.filter((n) => !present.has(n)) };
  }
  return { matched: notebooks.map((n) => n.name), missing: [] };
}

const hasTags = (tags: Record<string, string>, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => tags[k] === v);

/**
 * Decides, for every targeted notebook, whether the window cycles it or why not. Pure: the caller has
 * already listed the notebooks and their tags. `now` is when the window starts: an exemption
 * `until-YYYY-MM-DD` that ended before that day (UTC) no longer exempts. A request that remediates a control
 * exemptions never cover (`overridesExemption`) cycles exempt notebooks too.
 *
 * @example planTargets({ names: ['a'] }, [{ name: 'a', status: 'Deleting', tags: {} }], policy, Date.now())
 *   // → { plan: [], skipped: [{ name: 'a', outcome: 'not-found', reason: 'being deleted' }] }
 */
export function planTargets(
  targets: { names: string[] } | { tags: Record<string, string> },
  candidates: Candidate[],
  policy: Pick<PatchPolicy, 'exemptTag' | 'includeStopped'> & { overridesExemption?: boolean },
  now: number,
): TargetPlan {
  const plan: TargetPlan = { plan: [], skipped: [] };
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const { matched, missing } = matchTargets(targets, candidates);
  for (const name of missing) plan.skipped.push({ name, outcome: 'not-found', reason: 'no such notebook' });
  for (const name of matched) {
    const nb = byName.get(name)!;
    if ('tags' in targets && !hasTags(nb.tags, targets.tags)) continue;
    const exemption = policy.overridesExemption ? undefined : exemptionOn(nb.tags, policy.exemptTag, now);
    if (exemption) {
      plan.skipped.push({
        name,
        outcome: 'skipped-exempt',
        reason: `tagged ${describeExemption(exemption)}`,
      });
    } else if (nb.status === 'InService' || nb.status === 'Failed') {
      plan.plan.push({ name });
    } else if (nb.status === 'Stopped') {
      if (policy.includeStopped) plan.plan.push({ name });
      else
        plan.skipped.push({ name, outcome: 'not-started', reason: 'stopped, and includeStopped is false' });
    } else if (nb.status === 'Deleting') {
      plan.skipped.push({ name, outcome: 'not-found', reason: 'being deleted' });
    } else {
      // Pending, Stopping or Updating: another window's cycle or a person's change in progress. The cycle
      // waits for it to settle (and for its owner to finish): skipping it here would lose this request's work.
      plan.plan.push({ name });
    }
  }
  return plan;
}
