/**
 * `caretaker request patch|endpoint-update`: the security team's door. Builds the request event from flags
 * (`request-detail.ts`), then puts it on the caretaker bus with the real EventBridge client, or prints it.
 */
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import type { Io } from '../io.ts';
import type { EndpointFlags, PatchFlags, RequestEvent } from './request-detail.ts';
import { asUsage, UsageError } from './usage.ts';

// The request schemas and the EventBridge gateway pull in the Lambda modules (SDK clients, logger, metrics):
// load them only when a request is actually built or sent, so other commands (and the sandbox's
// environment, which must be set before any client is built) are not affected.
const details = () => import('./request-detail.ts');
const gateway = () => import('#lib/aws/eventbridge');

interface SendFlags {
  print?: boolean;
  endpointUrl?: string;
  eventBus: string;
  profile?: string;
  region?: string;
  time?: string;
}

async function send(event: RequestEvent, flags: SendFlags, io: Io): Promise<void> {
  if (flags.print) {
    io.out(`${JSON.stringify(event, null, 2)}\n`);
    return;
  }
  const { createEventClients, putEvents } = await gateway();
  const { explainAccessError } = await import('#lib/aws/cli');
  const access = { profile: flags.profile, region: flags.region, endpoint: flags.endpointUrl };
  const clients = createEventClients(flags.eventBus, access);
  const [eventId] = await putEvents(
    clients,
    [
      {
        detailType: event['detail-type'],
        detail: event.detail,
        ...(event.time ? { time: new Date(event.time) } : {}),
      },
    ],
    event.source,
  ).catch((err: unknown) => {
    throw explainAccessError(err, access, io.env);
  });
  io.out(`${event['detail-type']} put on bus ${flags.eventBus}: event id ${eventId}\n`);
}

function isoTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(
      `--time: got ${JSON.stringify(value)}, expected an ISO 8601 time such as 2026-11-23T02:00:00Z`,
    );
  }
  return value;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the schema then asks for --requested-by.
    return process.env.USER ?? '';
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withSendOptions(command: Command): Command {
  return command
    .option(
      '--print',
      'print the event (JSON) instead of sending it, e.g. for `caretaker sandbox run --event`',
    )
    .option(
      '--endpoint-url <url>',
      'EventBridge endpoint (the sandbox); AWS_ENDPOINT_URL_EVENTBRIDGE also works',
    )
    .option('--event-bus <name>', 'the caretaker bus', 'caretaker')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, else the default credential chain)')
    .option('--region <region>', "AWS region (default: AWS_REGION, else the profile's)")
    .option('--time <ISO-time>', 'the event time (default: when EventBridge receives it)', isoTime);
}

export function registerRequest(program: Command, io: Io): void {
  const request = program
    .command('request')
    .description(
      'Ask caretaker for a patch or an endpoint update (puts a request event on the caretaker bus).',
    );

  withSendOptions(
    request
      .command('patch')
      .description('Request a notebook patch window now: stop, apply settings, start, verify.')
      .option('--names <a,b>', 'the notebooks, by name (comma-separated)')
      .addOption(new Option('--tags <k=v>', 'the notebooks tagged so (repeat for more)').argParser(collect))
      .addOption(
        new Option(
          '--settings <k=v>',
          'a setting to apply while stopped: lifecycleConfigName, disassociateLifecycleConfig=true, instanceType, rootAccess, volumeSizeInGB, minimumInstanceMetadataServiceVersion, platformIdentifier (repeat for more)',
        ).argParser(collect),
      )
      .option('--reason <text>', 'why (a ticket, a CVE)')
      .option(
        '--requested-by <who>',
        'who asks, as recorded (a claim: the bus policy decides who may send)',
        currentUser(),
      )
      .option('--max-concurrency <n>', 'notebooks down at once')
      .option('--max-errors <n|n%>', 'failures tolerated before no further notebook is taken')
      .option('--dry-run', 'plan only: report which notebooks would be patched'),
  ).action(async (flags: PatchFlags & SendFlags) => {
    const { patchRequestDetail, patchFlagOf, requestEvent, PATCH_REQUESTED } = await details();
    const detail = await asUsage(() => patchRequestDetail(flags), patchFlagOf);
    await send(requestEvent(PATCH_REQUESTED, detail, flags.time ? { time: flags.time } : {}), flags, io);
  });

  withSendOptions(
    request
      .command('endpoint-update')
      .description('Request a guarded endpoint update to a new endpoint configuration.')
      .option('--endpoint <name>', 'the endpoint')
      .option('--config <name>', 'the endpoint configuration to move to')
      .option('--strategy <kind>', 'deployment: all-at-once | canary | linear | rolling')
      .option('--canary-size <n|n%>', 'canary: instances (2) or share of capacity (25%)')
      .option('--linear-step-size <n|n%>', 'linear: instances or share of capacity per step')
      .option('--max-batch-size <n|n%>', 'rolling: instances or share of capacity per batch')
      .option('--wait-interval <seconds>', 'wait between traffic steps (0–3600)')
      .option('--termination-wait <seconds>', 'keep the old fleet this long after the shift (0–3600)')
      .option('--max-execution-timeout <seconds>', 'give up after (600–28800)')
      .option('--alarms <a,b>', 'CloudWatch alarms that roll the update back (1–10)')
      .option('--bake-seconds <seconds>', 'watch the alarms this long after the update')
      .option('--retain-configs <n>', 'endpoint configurations to keep for rollback')
      .option(
        '--treat-missing-data <how>',
        'an alarm without data during the bake: breaching | notBreaching | inconclusive',
      )
      .option(
        '--requested-by <who>',
        'who asks, as recorded (a claim: the bus policy decides who may send)',
        currentUser(),
      )
      .option('--reason <text>', 'why (a ticket, a release)'),
  ).action(async (flags: EndpointFlags & SendFlags) => {
    const { endpointUpdateDetail, endpointFlagOf, requestEvent, ENDPOINT_UPDATE_REQUESTED } = await details();
    const detail = await asUsage(() => endpointUpdateDetail(flags), endpointFlagOf);
    await send(
      requestEvent(ENDPOINT_UPDATE_REQUESTED, detail, flags.time ? { time: flags.time } : {}),
      flags,
      io,
    );
  });
}
