import type { PlanEntry } from '#lib/notebook/plan';
import type { NotebookResult } from '#lib/notebook/outcomes';
import type { SandboxResult } from './runner.ts';
import { clockTime, duration, paint, table, wrap, type Cell, type Style, type Terminal } from './terminal.ts';

/**
 * The summary of a run for a person (`caretaker sandbox run` without `--json`, `npm start`, the report):
 * first what needs someone, with SageMaker's whole FailureReason and the lifecycle log stream, then each run
 * in words that say what happened to the resource (not the execution's status beside it), the notebooks of
 * each window, a dry run's plan, and the fleet as it ended.
 */

type Execution = SandboxResult['executions'][number];

interface PatchOutput {
  dryRun?: boolean;
  outcome?: string;
  counts?: Record<string, number>;
  total?: number;
  notebooks?: NotebookResult[];
  notebooksOmitted?: number;
  plan?: PlanEntry[];
  planOmitted?: number;
  error?: string;
  errors?: Array<{ field: string; message: string }>;
}

interface EndpointOutput {
  outcome?: string;
  reason?: string;
  endpointName?: string;
  targetEndpointConfigName?: string;
  liveEndpointConfigName?: string;
}

/** Notebook outcomes that need someone, and endpoint outcomes that do. */
export const NOTEBOOK_TROUBLE = new Set(['rolled-back', 'failed', 'needs-attention', 'not-started']);
export const ENDPOINT_TROUBLE = new Set([
  'auto-rolled-back',
  'rolled-back',
  'failed',
  'rejected',
  'unverified',
]);

/** The colour an outcome is shown in: good, left alone, or needing someone. */
export function outcomeStyle(outcome: string): Style {
  if (['patched', 'settings-applied', 'already-patched', 'succeeded'].includes(outcome)) return 'green';
  if (NOTEBOOK_TROUBLE.has(outcome) || ENDPOINT_TROUBLE.has(outcome)) return 'red';
  return 'yellow';
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const ENDPOINT_WORDS: Record<string, (o: EndpointOutput) => string> = {
  succeeded: (o) => `succeeded: ${o.endpointName} is live on ${o.targetEndpointConfigName}`,
  'auto-rolled-back': (o) =>
    `rolled back by SageMaker: ${o.endpointName} stays on ${o.liveEndpointConfigName ?? 'its previous config'}`,
  'rolled-back': (o) =>
    `rolled back by caretaker after the bake: ${o.endpointName} is back on ${o.liveEndpointConfigName ?? 'its previous config'}`,
  failed: (o) => `failed: ${o.endpointName} is on ${o.liveEndpointConfigName ?? 'an unknown config'}`,
  rejected: (o) => `refused before any change: ${o.endpointName} unchanged`,
  unverified: (o) => `live on ${o.targetEndpointConfigName} but not proven (an alarm had no data)`,
};

/**
 * What an execution did, in words: a window's outcomes by count, an endpoint update's outcome and what is
 * live; an execution that did not succeed says so first.
 *
 * @example executionResult({ stateMachine: 'endpoint-update', status: 'SUCCEEDED', output: { outcome: 'auto-rolled-back', endpointName: 'ep', liveEndpointConfigName: 'v1' } })
 *   // → { text: 'rolled back by SageMaker: ep stays on v1', style: 'red' }
 */
export function executionResult(e: Pick<Execution, 'stateMachine' | 'status' | 'output' | 'error'>): Cell {
  const broken =
    e.status !== 'SUCCEEDED' ? `execution ${e.status}${e.error ? ` (${e.error.error})` : ''}` : '';
  if (e.stateMachine === 'endpoint-update') {
    const output = (e.output ?? {}) as EndpointOutput;
    const words = output.outcome ? (ENDPOINT_WORDS[output.outcome]?.(output) ?? output.outcome) : '';
    return {
      text: [broken, words].filter(Boolean).join('; ') || 'no outcome',
      style: broken ? 'red' : outcomeStyle(output.outcome ?? ''),
    };
  }
  const output = (e.output ?? {}) as PatchOutput;
  if (output.outcome === 'rejected')
    return {
      text: `request rejected: ${(output.errors ?? []).map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      style: 'red',
    };
  if (output.dryRun) {
    const plan = output.plan ?? [];
    const stops = plan.filter((p) => p.stops).length;
    return {
      text: `dry run: ${plural(output.total ?? plan.length, 'notebook')} planned, ${stops} would be stopped; nothing changed`,
      style: 'cyan',
    };
  }
  const counts = Object.entries(output.counts ?? {})
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  const troubled = Object.keys(output.counts ?? {}).some((o) => NOTEBOOK_TROUBLE.has(o));
  return {
    text: [broken, `${plural(output.total ?? 0, 'notebook')}${counts ? `: ${counts}` : ''}`]
      .filter(Boolean)
      .join('; '),
    style: broken || troubled || output.outcome === 'failed' ? 'red' : 'green',
  };
}

/** The notebooks and endpoints that need someone, each with everything a person needs to start looking. */
function needsYou(result: SandboxResult, term: Terminal): string[] {
  const items: string[] = [];
  const indent = (text: string) => text.split('\n').map((l) => `    ${l}`);
  const wrapAt = term.width - 4;
  const block = (title: string, details: Array<[string, string | undefined]>) => {
    items.push(`  ${paint(term, 'bold', title)}`);
    for (const [label, text] of details) {
      if (!text) continue;
      items.push(...indent(wrap(`${label}${text}`, wrapAt).join('\n')));
    }
  };
  for (const e of result.executions) {
    const output = (e.output ?? {}) as PatchOutput & EndpointOutput;
    if (e.stateMachine === 'notebook-patch') {
      for (const n of output.notebooks ?? []) {
        if (!NOTEBOOK_TROUBLE.has(n.outcome)) continue;
        block(
          `${n.name}: ${paint(term, 'red', n.outcome)}${n.status ? `, left ${n.status}` : ''} (window ${e.name})`,
          [
            ['', n.reason],
            ['FailureReason: ', n.failureReason],
            ['lifecycle log: ', n.lifecycleLog],
          ],
        );
      }
      if (output.error) block(`window ${e.name}: ${paint(term, 'red', 'failed')}`, [['', output.error]]);
    } else if (ENDPOINT_TROUBLE.has(output.outcome ?? '')) {
      block(`${output.endpointName}: ${paint(term, 'red', output.outcome ?? '')} (update ${e.name})`, [
        ['', output.reason],
      ]);
    }
    if (e.status !== 'SUCCEEDED')
      block(`${e.name}: ${paint(term, 'red', `execution ${e.status}`)}`, [
        ['', e.error ? `${e.error.error}: ${e.error.cause}` : undefined],
      ]);
  }
  for (const r of result.rejectedEvents)
    block(`event ${r.index}: ${paint(term, 'red', 'rejected')}`, [
      ['', r.errors.map((i) => `${i.field}: ${i.message}`).join('\n')],
    ]);
  return items;
}

const heading = (term: Terminal, text: string) => paint(term, 'bold', text);

const PLAN_WORDS: Record<PlanEntry['action'], string> = {
  cycle: 'restart',
  update: 'update',
  start: 'start',
  wait: 'wait',
  skip: 'skip',
};

/**
 * A plan as people read it (`caretaker plan`, a dry run's summary): per notebook what the window would do,
 * each setting before → after, and why; a cycle that would not fit the window's time says so.
 */
export function planTable(plan: readonly PlanEntry[], term: Terminal): string {
  return table(
    term,
    ['notebook', 'status', 'would', 'changes (before → after)', 'why'],
    plan.map((p) => [
      p.name,
      p.status,
      {
        text: p.fits === false ? `${PLAN_WORDS[p.action]} (late)` : PLAN_WORDS[p.action],
        style: p.fits === false || p.action === 'wait' ? 'yellow' : p.action === 'skip' ? 'dim' : 'cyan',
      },
      p.changes.map((c) => `${c.setting}: ${c.before ?? 'none'} → ${c.after ?? 'none'}`).join('\n') || '-',
      p.action === 'skip' && p.outcome ? `${p.outcome}: ${p.reason}` : p.reason,
    ]),
    [4],
  );
}

/** The human summary printed at the end of a run. */
export function summarize(
  result: SandboxResult,
  term: Terminal,
  startedAt: ReadonlyMap<string, number> = new Map(),
): string {
  const out: string[] = [];
  const trouble = needsYou(result, term);
  if (trouble.length > 0) out.push(heading(term, paint(term, 'red', 'Needs you')), ...trouble, '');
  if (result.executions.length > 0) {
    out.push(heading(term, 'Runs'));
    for (const e of result.executions) {
      const started = startedAt.get(e.name);
      const facts = [
        e.stateMachine === 'notebook-patch' ? 'patch window' : 'endpoint update',
        ...(started === undefined ? [] : [`from ${clockTime(started, term.zone)}`]),
        duration(e.stats.virtualSeconds),
        ...(e.stateMachine === 'notebook-patch' ? [`at most ${e.stats.maxNotebooksDown} down`] : []),
      ];
      const outcome = executionResult(e);
      out.push(
        `  ${paint(term, 'bold', e.name)}`,
        ...wrap(facts.join(', '), term.width - 4).map((l) => `    ${l}`),
      );
      out.push(...wrap(outcome.text, term.width - 4).map((l) => `    ${paint(term, outcome.style, l)}`));
    }
  }
  for (const e of result.executions) {
    const output = (e.output ?? null) as PatchOutput | null;
    if (output?.plan?.length) {
      out.push(
        '',
        heading(term, `${e.name} (dry run): what the window would do`),
        planTable(output.plan, term),
      );
      if (output.planOmitted) out.push(`(${output.planOmitted} more not listed: the output is bounded)`);
    } else if (output?.notebooks?.length) {
      out.push(
        '',
        heading(term, `${e.name}:`),
        table(
          term,
          ['notebook', 'outcome', 'reason'],
          output.notebooks.map((n) => [
            n.name,
            { text: n.outcome, style: outcomeStyle(n.outcome) },
            n.reason ?? '',
          ]),
        ),
      );
      if (output.notebooksOmitted)
        out.push(`(${output.notebooksOmitted} more not listed: the output is bounded)`);
    }
  }
  for (const i of result.ignoredEvents) out.push('', `event ${i.index} ignored: ${i.reason}`);
  out.push(
    '',
    heading(term, `Fleet after the run (at most ${result.maxNotebooksDown} notebook(s) down at once)`),
  );
  out.push(
    table(
      term,
      ['notebook', 'status', 'instance type', 'release', 'lifecycle config', 'root', 'stops', 'starts'],
      result.fleet.notebooks.map((n) => [
        String(n.name),
        {
          text: String(n.status),
          style: n.status === 'InService' ? undefined : n.status === 'Failed' ? 'red' : 'yellow',
        },
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
        term,
        ['endpoint', 'status', 'endpoint config'],
        result.fleet.endpoints.map((e) => [String(e.name), String(e.status), String(e.endpointConfigName)]),
      ),
    );
  }
  return out.join('\n');
}
