import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadFleet } from '../../sandbox/fleet.ts';
import { InputFileError } from '../../sandbox/inputs.ts';
import { liveView } from '../../sandbox/live.ts';
import { serveSandbox } from '../../sandbox/serve.ts';
import { dateTime, terminalOf } from '../../sandbox/terminal.ts';
import type { Io } from '../io.ts';
import { useTriggerSettings } from '../../sandbox/trigger-settings.ts';
import { asUsage, UsageError, wholeNumber } from './usage.ts';

/** The port `sandbox serve` listens on unless told: LocalStack's 4566 is left alone. */
export const DEFAULT_PORT = 4599;

function speedOf(value: string): number {
  const speed = Number(value);
  if (!(speed > 0 && speed <= 10_000))
    throw new UsageError(
      `--speed: got ${JSON.stringify(value)}, expected a factor above 0 and at most 10000 (1 = wall clock)`,
    );
  return speed;
}

export function registerServe(sandbox: Command, io: Io): void {
  sandbox
    .command('serve')
    .description(
      'Serve a fleet as a local AWS endpoint (SageMaker, EventBridge, DynamoDB, …) until interrupted; the first line printed is its URL.',
    )
    .requiredOption('--fleet <file>', 'fleet file (YAML) describing notebooks, endpoints, alarms, faults')
    .option(
      '--port <n>',
      'the port on 127.0.0.1 (0: any free one)',
      wholeNumber('--port', 0, 65535),
      DEFAULT_PORT,
    )
    .option('--speed <x>', 'how much faster than the wall clock time runs', speedOf, 1)
    .option(
      '--config <file>',
      "the caretaker.yml the triggers follow (mode, groups, request limits; default: caretaker.yml here, else the repository's)",
    )
    .action(async (opts: { fleet: string; port: number; speed: number; config?: string }) => {
      const config = opts.config ?? (existsSync('caretaker.yml') ? 'caretaker.yml' : undefined);
      // Before any trigger function is loaded: they read their settings once, as in Lambda.
      if (config) await asUsage(() => useTriggerSettings(config));
      const fleet = await loadFleet(opts.fleet).catch((err: Error) => {
        throw new InputFileError(opts.fleet, err.message);
      });
      const term = terminalOf(io.stdout, io.env);
      const view = liveView({ ...term, tty: false }, io.out, { starts: true });
      const stop = new AbortController();
      const signals = ['SIGINT', 'SIGTERM'] as const;
      const onSignal = () => stop.abort();
      for (const signal of signals) process.once(signal, onSignal);
      try {
        await serveSandbox(fleet, {
          port: opts.port,
          speed: opts.speed,
          signal: stop.signal,
          ready: (url) => {
            io.out(`${url}\n`);
            io.err(
              `caretaker sandbox: ${opts.fleet} at ${url}, time from ${dateTime(fleet.start, term.zone)} at ×${opts.speed}; Ctrl-C stops it\n` +
                `  any keys do: export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1\n` +
                `  e.g. aws sagemaker list-notebook-instances --endpoint-url ${url}\n` +
                `       caretaker plan --endpoint-url ${url} --names …\n`,
            );
          },
          onProgress: (p) => view.progress(p),
        }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE')
            throw new UsageError(
              `--port: ${opts.port} is in use, expected a free port (or --port 0 for any)`,
            );
          throw err;
        });
      } finally {
        for (const signal of signals) process.off(signal, onSignal);
      }
    });
}
