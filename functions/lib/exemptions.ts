/**
 * What an exempt tag means, in one place for the windows (target selection), the finding triggers and the
 * audit. The value `until-YYYY-MM-DD` exempts through that day (UTC) and no longer; any other value exempts
 * with no end, which is honoured but reported by the daily audit, since nothing else would ever end it.
 */

export interface Exemption {
  /** The tag that exempts and its value, as the notebook carries them. */
  tag: string;
  value: string;
  /** The last day (UTC, `YYYY-MM-DD`) the exemption covers; absent = no end. */
  until?: string;
  /** Why the value gives no end although it tried to (`until-2026-02-30` is no date): said in the audit. */
  problem?: string;
}

const UNTIL = /^until-(.*)$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` of a moment, in UTC: the day an exemption is judged on. */
export function utcDay(at: number | Date): string {
  return new Date(at).toISOString().slice(0, 10);
}

function isCalendarDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Reads an exempt tag's value.
 *
 * @example readExemption('caretaker:exempt', 'until-2026-12-31') // → { tag, value, until: '2026-12-31' }
 * @example readExemption('caretaker:exempt', 'SEC-42 approved by alice') // → { tag, value } (no end)
 */
export function readExemption(tag: string, value: string): Exemption {
  const until = UNTIL.exec(value.trim())?.[1];
  if (until === undefined) return { tag, value };
  if (isCalendarDay(until)) return { tag, value, until };
  return { tag, value, problem: `"${until}" is not a date (expected until-YYYY-MM-DD), so it has no end` };
}

/**
 * The exemption a notebook's tags give it on a day, or undefined when it has none or it ended: a dated
 * exemption covers its last day and stops at the next midnight UTC.
 *
 * @example exemptionOn({ 'caretaker:exempt': 'until-2026-11-30' }, 'caretaker:exempt', Date.parse('2026-12-01T02:00:00Z'))
 *   // → undefined (it ended)
 */
export function exemptionOn(
  tags: Readonly<Record<string, string>>,
  exemptTag: string,
  at: number,
): Exemption | undefined {
  const value = tags[exemptTag];
  if (value === undefined) return undefined;
  const exemption = readExemption(exemptTag, value);
  if (exemption.until !== undefined && exemption.until < utcDay(at)) return undefined;
  return exemption;
}

/** How a report names an exemption: `caretaker:exempt=until-2026-12-31`. */
export function describeExemption(exemption: Exemption): string {
  return exemption.value === '' ? exemption.tag : `${exemption.tag}=${exemption.value}`;
}
