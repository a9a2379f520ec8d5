import { AwsApiError } from './types.ts';

/** At most this many tags per resource, and per AddTags call. */
export const MAX_TAGS = 50;
const CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const refuse = (message: string) => new AwsApiError('ValidationException', message);
const constraint = (value: unknown, member: string, rule: string) =>
  `Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${member}' failed to satisfy constraint: Member must ${rule}`;

/**
 * SageMaker's AddTags on the tags of one resource, whatever its family (ListTags and AddTags are one
 * operation each for notebooks, endpoints and endpoint configurations). Limits from the API model (botocore
 * `sagemaker/2017-07-24/service-2.json`: TagList at most 50, TagKey 1–128 and TagValue 0–256 characters of
 * `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, both required) and from AWS's tagging rules (at most 50 user tags per resource;
 * the `aws:` prefix is AWS's own). AddTags adds or overwrites; it answers with the resource's tags.
 *
 * @example addTags({}, [{ Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-23T02:00:00.000Z' }])
 *   // → [{ Key: 'caretaker:deployed-to:ep-1', Value: '2026-11-23T02:00:00.000Z' }]
 */
export function addTags(tags: Record<string, string>, list: unknown): Array<{ Key: string; Value: string }> {
  if (!Array.isArray(list))
    throw refuse(`1 validation error detected: ${constraint(null, 'tags', 'not be null')}`);
  const violations: string[] = [];
  if (list.length > MAX_TAGS)
    violations.push(
      constraint(`[${list.length} tags]`, 'tags', `have length less than or equal to ${MAX_TAGS}`),
    );
  list.forEach((tag: { Key?: unknown; Value?: unknown }, i) => {
    const members: Array<[string, unknown, number, number]> = [
      ['key', tag?.Key, 1, 128],
      ['value', tag?.Value, 0, 256],
    ];
    for (const [name, value, min, max] of members) {
      const member = `tags.${i + 1}.member.${name}`;
      if (typeof value !== 'string') violations.push(constraint(null, member, 'not be null'));
      else if (value.length < min || value.length > max)
        violations.push(constraint(value, member, `have length between ${min} and ${max}`));
      else if (!CHARACTERS.test(value))
        violations.push(
          constraint(value, member, 'satisfy regular expression pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)'),
        );
    }
  });
  if (violations.length > 0) {
    const count = violations.length === 1 ? '1 validation error' : `${violations.length} validation errors`;
    throw refuse(`${count} detected: ${violations.join('; ')}`);
  }
  const added = list as Array<{ Key: string; Value: string }>;
  const reserved = added.find((t) => t.Key.toLowerCase().startsWith('aws:'));
  if (reserved) throw refuse(`Tag keys beginning with 'aws:' are reserved for AWS use: ${reserved.Key}`);
  const after = new Set([...Object.keys(tags), ...added.map((t) => t.Key)]);
  if (after.size > MAX_TAGS)
    throw refuse(`A resource can have at most ${MAX_TAGS} tags; adding these would give it ${after.size}.`);
  for (const { Key, Value } of added) tags[Key] = Value;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
