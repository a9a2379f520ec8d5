/** Which notebooks a patch group targets: one rule for the audit and the finding triggers. */
import type { PatchGroup } from './config-sections.ts';

/**
 * Whether a group's targets take a notebook: named, or carrying every tag the group asks for.
 *
 * @example isTargeted({ tags: { 'patch-group': 'weekly' } }, 'nb-1', { 'patch-group': 'weekly', team: 'ml' }) // → true
 */
export function isTargeted(
  targets: PatchGroup['targets'],
  name: string,
  tags: Readonly<Record<string, string>>,
): boolean {
  return 'names' in targets
    ? targets.names.includes(name)
    : Object.entries(targets.tags).every(([key, value]) => tags[key] === value);
}
