import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof FakeTimers.install>;

/** How often a paced clock looks at the wall clock when no timer is due sooner (ms). */
const PACE_TICK_MS = 200;

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * Simulated time for one sandbox run: a discrete-event scheduler.
 *
 * While the clock is installed, `Date` (and only `Date`: real timers keep working, so HTTP and the SDK's
 * own retry delays behave normally) reports virtual time, so the unchanged handlers, the emulator and the
 * interpreter's `Timestamp` waits all read the same clock. Virtual time moves only when the system is
 * quiescent: no tracked work (a Lambda invocation, an event delivery) is in flight and every execution is
 * parked on a timer (a Wait state, a retry back-off, a scheduled emulator change). Then the clock jumps to
 * the earliest timer and releases every timer due at that instant, in the order they were set.
 *
 * @example
 *   const clock = new VirtualClock(Date.parse('2026-11-23T02:00:00Z'));
 *   clock.install();
 *   const done = clock.drive(run());   // runs until `run()` settles
 */
export class VirtualClock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  #busy = 0;
  #idleWaiters: Array<() => void> = [];
  #fake: InstalledClock | undefined;

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  install(): void {
    if (this.#fake) return;
    this.#fake = FakeTimers.withGlobal(globalThis).install({ now: this.#now, toFake: ['Date'] });
  }

  uninstall(): void {
    this.#fake?.uninstall();
    this.#fake = undefined;
  }

  /**
   * Resolves when virtual time has advanced by `ms`, or at once when `signal` aborts (the interpreter's Wait,
   * Retry back-off and timeouts use this).
   */
  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = () => {
        this.#cancel(timer);
        resolve();
      };
      const timer = this.schedule(this.#now + ms, () => {
        signal?.removeEventListener('abort', cancel);
        resolve();
      });
      signal?.addEventListener('abort', cancel, { once: true });
    });
  };

  /** Runs `fire` when virtual time reaches `atMs` (immediately at the next step if that is in the past). */
  schedule(atMs: number, fire: () => void): Timer {
    const timer = { at: Math.max(atMs, this.#now), seq: this.#seq++, fire };
    this.#timers.push(timer);
    return timer;
  }

  /** Marks work in flight so that time stands still until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#busy++;
    try {
      return await work();
    } finally {
      this.#busy--;
      if (this.#busy === 0) this.#idleWaiters.splice(0).forEach((wake) => wake());
    }
  }

  /**
   * Advances virtual time until `until` settles. Throws when nothing can make progress any more (no work
   * in flight, no timer set, and `until` still pending), which would otherwise hang.
   */
  async drive<T>(until: Promise<T>): Promise<T> {
    let settled = false;
    const result = until.finally(() => {
      settled = true;
    });
    result.catch(() => undefined);
    while (!settled) {
      await this.#quiesce();
      if (settled) break;
      if (this.#busy > 0) {
        await new Promise<void>((wake) => this.#idleWaiters.push(wake));
        continue;
      }
      if (this.#timers.length === 0) {
        throw new Error('sandbox deadlock: no work in flight and no timer set, but the run has not finished');
      }
      this.#advance();
    }
    return result;
  }

  /**
   * Runs virtual time alongside the wall clock, `speed` times as fast, until `signal` aborts (`sandbox serve`):
   * a timer fires when its time comes, one instant at a time, once the work the previous one started has
   * settled, so a long-lived sandbox answers the AWS CLI with times that move like real ones.
   */
  async pace(speed: number, signal: AbortSignal): Promise<void> {
    const wallStart = performance.now();
    const virtualStart = this.#now;
    const target = () => virtualStart + (performance.now() - wallStart) * speed;
    while (!signal.aborted) {
      await this.#quiesce();
      if (this.#busy > 0) {
        await new Promise<void>((wake) => this.#idleWaiters.push(wake));
        continue;
      }
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      const now = target();
      if (next && next.at <= now) {
        this.#advance();
        continue;
      }
      this.#now = Math.max(this.#now, Math.floor(now));
      this.#fake?.setSystemTime(this.#now);
      // Wake for the next timer, and a few times a second anyway: a request may have set an earlier one.
      const wait = next ? Math.min(PACE_TICK_MS, (next.at - now) / speed) : PACE_TICK_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
  }

  #advance(): void {
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const at = this.#timers[0]!.at;
    this.#now = at;
    this.#fake?.setSystemTime(at);
    const due = this.#timers.filter((t) => t.at === at);
    this.#timers = this.#timers.filter((t) => t.at !== at);
    due.forEach((t) => t.fire());
  }

  #cancel(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
  }

  /** Lets every promise chain that is not waiting on I/O or a timer run to its next park point. */
  async #quiesce(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}
