import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { VirtualClock } from '../../sandbox/clock.ts';
import { createCloudWatchService } from '../../sandbox/emulator/cloudwatch.ts';
import { createEndpointService } from '../../sandbox/emulator/endpoints.ts';
import { startEmulator, type BusEvent } from '../../sandbox/emulator/index.ts';
import { parseFleet } from '../../sandbox/fleet.ts';

const open: Array<() => Promise<void>> = [];

/**
 * The emulator with the endpoint and CloudWatch services on a virtual clock, real SDK clients pointed at
 * it (one attempt, so a test sees each answer), and every event it emits with the virtual time it was
 * emitted at. Close with `closeEmulators()` in `afterEach`.
 */
export async function openEmulator(yaml: string) {
  const fleet = parseFleet(yaml, 'test-fleet.yml');
  const clock = new VirtualClock(fleet.start);
  clock.install();
  const cloudwatchService = createCloudWatchService(fleet);
  const endpointService = createEndpointService(fleet, cloudwatchService.world);
  const emulator = await startEmulator(fleet, {
    services: [endpointService, cloudwatchService],
    schedule: (at, fire) => clock.schedule(at, fire),
  });
  const events: Array<BusEvent & { emittedAt: number }> = [];
  emulator.onEvent((event) => events.push({ ...event, emittedAt: clock.now() }));
  const config = {
    endpoint: emulator.url,
    region: fleet.region,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  };
  const sagemaker = new SageMakerClient(config);
  const cloudwatch = new CloudWatchClient(config);
  open.push(async () => {
    sagemaker.destroy();
    cloudwatch.destroy();
    await emulator.close();
    clock.uninstall();
  });
  return {
    fleet,
    emulator,
    clock,
    sagemaker,
    cloudwatch,
    endpoints: endpointService.world,
    alarms: cloudwatchService.world,
    events,
    advance: (seconds: number) => clock.drive(clock.sleep(seconds * 1000)),
  };
}

export async function closeEmulators(): Promise<void> {
  for (const close of open.splice(0)) await close();
}
