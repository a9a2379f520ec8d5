import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../bin/io.ts';
import { main, VERSION } from '../../bin/main.ts';
import { parseFleet } from '../../sandbox/fleet.ts';
import { serveSandbox } from '../../sandbox/serve.ts';
import { files } from '../support/cli.ts';
import { patchRequested } from '../support/sandbox.ts';

/** The CLI in-process, as a shell would run it with its output piped: what it printed and its exit code. */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    stdout: { isTTY: false },
    env: { COLUMNS: '100', ...env },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const FLEET = `start: 2026-11-23T02:00:00Z
lifecycleConfigs: [lc-v1, lc-v2]
notebooks:
  - { name: nb-1, status: InService, lifecycleConfigName: lc-v1 }
  - { name: nb-2, status: InService, lifecycleConfigName: lc-v1, behavior: { failStartsWithLifecycleConfig: lc-v2 } }
`;
const CONFIG = `mode: act
patchGroups:
  - { name: weekly, targets: { names: [nb-1, nb-2] }, schedule: { cron: '0 3 * * 0', timezone: UTC } }
requests: { settings: { lifecycleConfigName: [lc-v2] } }
`;
const LC_V2 = patchRequested({
  targets: { names: ['nb-1', 'nb-2'] },
  settings: { lifecycleConfigName: 'lc-v2' },
});

/** `sandbox run` of the lc-v2 request on FLEET under CONFIG, with more flags. */
async function runLcV2(...flags: string[]) {
  const f = await files({ 'fleet.yml': FLEET, 'caretaker.yml': CONFIG, 'event.json': LC_V2 });
  const args = ['--fleet', f['fleet.yml']!, '--config', f['caretaker.yml']!, '--event', f['event.json']!];
  return cli(['sandbox', 'run', ...args, ...flags]);
}

describe('caretaker, in-process', () => {
  it('prints its version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `caretaker ${VERSION}\n`, stderr: '' });
  });

  it('exits 2 on a flag it does not know, naming it', async () => {
    const { code, stderr } = await cli(['sandbox', 'run', '--fleet', 'f.yml', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option '--bogus'/);
  });

  it('exits 2 on a --fail-on it does not know, saying what it expected', async () => {
    const { code, stderr } = await cli(['sandbox', 'run', '--fleet', 'f.yml', '--fail-on', 'broken']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--fail-on: got "broken", expected a comma-separated list of rolled-back, failed/);
  });

  it('exits 1 when an outcome --fail-on names happens, naming the notebook, and writes the report', async () => {
    // Prepare
    const reports = await mkdtemp(path.join(tmpdir(), 'caretaker-report-'));

    // Act
    const run = await runLcV2('--fail-on', 'failed,rolled-back', '--report', reports);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('caretaker: --fail-on failed,rolled-back: nb-2: rolled-back\n');
    expect(run.stdout).toMatch(/^Needs you\n {2}nb-2: rolled-back/m);
    expect(run.stdout).toContain(
      'lifecycle log: /aws/sagemaker/NotebookInstances/nb-2/LifecycleConfigOnStart',
    );
    const markdown = readFileSync(path.join(reports, 'fleet.md'), 'utf8');
    expect(markdown).toContain('![timeline](./fleet.svg)');
    expect(markdown).toContain(
      '"lifecycleLog": "/aws/sagemaker/NotebookInstances/nb-2/LifecycleConfigOnStart"',
    );
    expect(existsSync(path.join(reports, 'fleet.svg'))).toBe(true);
    expect(readFileSync(path.join(reports, 'fleet.svg'), 'utf8')).toContain('>rolled-back</text>');
  });

  it('exits 0 with --fail-on when nothing it names happened', async () => {
    const run = await runLcV2('--fail-on', 'needs-attention', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).executions[0].output.counts).toEqual({ patched: 1, 'rolled-back': 1 });
  });

  it('prints progress at the virtual time it happens, and tables within COLUMNS', async () => {
    // Act
    const { stdout } = await runLcV2();

    // Assess: the window ends minutes after it starts, and each line says when.
    expect(stdout).toMatch(/^ {2}02:00:00Z {2}event 0 \(Notebook Patch Requested\): started request-/m);
    expect(stdout).toMatch(/^ {2}02:(0[5-9]|1\d):\d\dZ {2}caretaker emitted Notebook Patch Completed$/m);
    expect(stdout).not.toContain('\u001b');
    expect(Math.max(...stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('plan exits 2 without a target, saying which it expected', async () => {
    const { code, stderr } = await cli(['plan']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/expected one of --request FILE, --group NAME, --names a,b or --tags k=v/);
  });
});

describe('caretaker plan against caretaker sandbox serve', () => {
  const PLANNED = `start: 2026-11-23T02:00:00Z
lifecycleConfigs: [lc-v1, lc-v2]
notebooks:
  - { name: nb-1, status: InService, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-2, status: Stopped, rootAccess: Enabled, tags: { patch-group: weekly } }
  - { name: nb-3, status: InService, volumeSizeInGB: 50, tags: { patch-group: weekly } }
  - { name: nb-4, status: InService, tags: { patch-group: weekly, caretaker:exempt: yes } }
`;

  it('says per notebook what a window would do, and it is what a dry-run window reports', async () => {
    // Prepare: the world served on a free port.
    const f = await files({ 'fleet.yml': PLANNED, 'caretaker.yml': CONFIG });
    const stop = new AbortController();
    let url = '';
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const served = serveSandbox(parseFleet(PLANNED, 'fleet.yml'), {
      port: 0,
      speed: 1,
      signal: stop.signal,
      ready: (u) => {
        url = u;
        ready();
      },
    });
    await listening;
    const plan = [
      'plan',
      ...['--endpoint-url', url, '--region', 'us-east-1', '--config', f['caretaker.yml']!],
      ...[
        '--tags',
        'patch-group=weekly',
        '--settings',
        'rootAccess=Disabled',
        '--settings',
        'volumeSizeInGB=20',
      ],
    ];

    // Act
    const planned = await cli([...plan, '--json']);
    const text = await cli(plan);
    const group = await cli([...plan.slice(0, 7), '--group', 'weekly', '--settings', 'rootAccess=Disabled']);
    stop.abort();
    await served;
    const dry = await cli([
      'sandbox',
      'run',
      '--fleet',
      f['fleet.yml']!,
      '--config',
      f['caretaker.yml']!,
      '--json',
      '--event',
      (
        await files({
          'dry.json': patchRequested({
            targets: { tags: { 'patch-group': 'weekly' } },
            settings: { rootAccess: 'Disabled', volumeSizeInGB: 20 },
            policy: { dryRun: true },
          }),
        })
      )['dry.json']!,
    ]);

    // Assess
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const { entries, leases } = JSON.parse(planned.stdout) as {
      entries: Array<Record<string, unknown>>;
      leases: boolean;
    };
    expect(leases).toBe(true);
    expect(entries.map((e) => [e.name, e.action, e.outcome ?? null])).toEqual([
      ['nb-1', 'cycle', null],
      ['nb-2', 'update', null],
      ['nb-3', 'skip', 'not-started'],
      ['nb-4', 'skip', 'skipped-exempt'],
    ]);
    expect(entries[0]!.changes).toEqual([
      { setting: 'rootAccess', before: 'Enabled', after: 'Disabled' },
      { setting: 'volumeSizeInGB', before: 5, after: 20 },
    ]);
    expect(entries[2]!.reason).toMatch(/volumeSizeInGB 20 is smaller than its 50 GB.*it was not stopped/);
    expect(JSON.parse(dry.stdout).executions[0].output.plan).toEqual(entries);
    expect(text.stdout).toMatch(/4 notebook\(s\): 1 would be stopped/);
    // A group's plan is its next window's, with its own targets, as that window would run it.
    expect(group.stdout).toMatch(
      /^Plan for notebooks nb-1, nb-2 at 2026-11-29 03:00:00Z\nAs weekly-20261129T0300Z would run it/,
    );
    expect(text.stdout).toMatch(/nb-1 +InService +restart +rootAccess: Enabled → Disabled/);
    expect(text.stdout).toMatch(/nb-4 +InService +skip +- +skipped-exempt: tagged\n +caretaker:exempt=yes/);
  });
});
