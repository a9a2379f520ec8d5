/** A figure against its ceiling, as `npm run bench` reports it: the value, the target, whether it is met. */
export function atMost(value: number, limit: number, limitText = String(limit)) {
  return { value, target: `<= ${limitText}`, met: value <= limit };
}

export type Target = ReturnType<typeof atMost>;
