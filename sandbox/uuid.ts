import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 3: MD5) of `text`: the same text always gives the same UUID, so the sandbox's
 * identifiers (Map Run children, Lambda request ids) come out alike on every run of a fleet.
 *
 * @example nameUuid('a') // → '0cc175b9-c0f1-36a8-b1c3-99e269772661'
 */
export function nameUuid(text: string): string {
  const hash = createHash('md5').update(text).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x30;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
