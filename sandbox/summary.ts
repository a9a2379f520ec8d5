import type { SandboxResult } from './runner.ts';

/** Fixed-width text table (the terminal summary of a run). */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

const hms = (s: number) =>
  `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m${String(s % 60).padStart(2, '0')}s`;

const clip = (s: string, max = 140) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** The human summary printed at the end of `caretaker sandbox run` (without `--json`). */
export function summarize(result: SandboxResult): string {
  const out: string[] = [];
  out.push(
    table(
      [
        'execution',
        'state machine',
        'status',
        'outcome',
        'transitions',
        'lambdas',
        'SageMaker calls',
        'virtual time',
        'max down',
      ],
      result.executions.map((e) => {
        const output = (e.output ?? {}) as { outcome?: string; counts?: Record<string, number> };
        const outcome =
          output.outcome ??
          Object.entries(output.counts ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ');
        const calls = Object.values(e.stats.sagemakerCalls).reduce((a, b) => a + b, 0);
        return [
          e.name,
          e.stateMachine,
          e.status,
          outcome || (e.error ? e.error.error : ''),
          e.stats.transitions,
          e.stats.lambdaInvocations,
          calls,
          hms(e.stats.virtualSeconds),
          e.stats.maxNotebooksDown,
        ];
      }),
    ),
  );
  for (const e of result.executions) {
    const output = e.output as {
      notebooks?: Array<{ name: string; outcome: string; reason?: string; failureReason?: string }>;
      reason?: string;
    } | null;
    if (output?.notebooks?.length) {
      out.push('', `${e.name}:`);
      out.push(
        table(
          ['notebook', 'outcome', 'reason'],
          output.notebooks.map((n) => [
            n.name,
            n.outcome,
            clip([n.reason, n.failureReason].filter(Boolean).join(' — ')),
          ]),
        ),
      );
    } else if (output?.reason) {
      out.push('', `${e.name}: ${output.reason}`);
    }
    if (e.error) out.push('', `${e.name} failed: ${e.error.error}: ${e.error.cause}`);
  }
  for (const i of result.ignoredEvents) out.push('', `event ${i.index} ignored: ${i.reason}`);
  for (const r of result.rejectedEvents) {
    out.push('', `event ${r.index} rejected:`, ...r.errors.map((e) => `  - ${e.field}: ${e.message}`));
  }
  out.push('', `fleet after the run (at most ${result.maxNotebooksDown} notebook(s) down at once):`);
  out.push(
    table(
      [
        'notebook',
        'status',
        'instance type',
        'release',
        'lifecycle config',
        'root access',
        'stops',
        'starts',
      ],
      result.fleet.notebooks.map((n) => [
        String(n.name),
        String(n.status),
        String(n.instanceType),
        String(n.platformRelease),
        String(n.lifecycleConfigName ?? '-'),
        String(n.rootAccess),
        String(n.stops),
        String(n.starts),
      ]),
    ),
  );
  if (result.fleet.endpoints.length > 0) {
    out.push(
      '',
      table(
        ['endpoint', 'status', 'endpoint config'],
        result.fleet.endpoints.map((e) => [String(e.name), String(e.status), String(e.endpointConfigName)]),
      ),
    );
  }
  return out.join('\n');
}
