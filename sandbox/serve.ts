import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from './clock.ts';
import { httpListener } from './emulator/server.ts';
import type { Fleet } from './fleet.ts';
import { openWorld, watchProgress, type Progress } from './runner.ts';

/**
 * `caretaker sandbox serve`: a fleet's world as a long-lived local endpoint. Every service the sandbox
 * emulates answers at one URL (SageMaker, CloudWatch, EventBridge, DynamoDB, Step Functions, the Tagging
 * API), so `caretaker plan`, `caretaker request` and the AWS CLI itself can be pointed at it; an event put
 * on its bus goes through the real rules to the real triggers, and the workflows they start run as in `sandbox
 * run`, but on time that follows the wall clock (`speed` times as fast), starting at the fleet's `start`.
 */
export interface ServeOptions {
  port: number;
  speed: number;
  signal: AbortSignal;
  /** Called once the endpoint listens, with its URL. */
  ready(url: string): void;
  onProgress?: (p: Progress) => void;
}

export async function serveSandbox(fleet: Fleet, options: ServeOptions): Promise<void> {
  const clock = new VirtualClock(fleet.start);
  const world = await openWorld(fleet, clock);
  const deliveries = new Set<Promise<unknown>>();
  const watch = options.onProgress ? watchProgress(world, options.onProgress) : undefined;
  world.emulator.onEvent((event) => {
    watch?.(event);
    const delivery = world.router.deliver(event).catch(() => undefined);
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  });
  const server = http.createServer(httpListener(world.emulator.respond, world.emulator.internalErrors));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    options.ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await clock.pace(options.speed, options.signal);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const record of world.executions.all) record.abort();
    await world.close();
  }
}
