import { parseFleet } from '../../sandbox/fleet.ts';
import { runSandbox, type SandboxEvent, type SandboxRun } from '../../sandbox/runner.ts';

/** A `Notebook Patch Requested` event as the security team's CLI puts it. */
export function patchRequested(
  detail: Record<string, unknown>,
  extra: Partial<SandboxEvent> = {},
): SandboxEvent {
  return {
    version: '0',
    id: extra.id ?? `req-${Math.abs(hash(JSON.stringify(detail)))}`,
    source: 'caretaker.requests',
    'detail-type': 'Notebook Patch Requested',
    account: '123456789012',
    region: 'us-east-1',
    time: '2026-11-23T02:00:00Z',
    resources: [],
    detail: { requestedBy: 'alice', reason: 'CVE-2026-1234', ...detail },
    ...extra,
  };
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** Runs a fleet (YAML text) and events on the sandbox. */
export function runFleet(
  fleetYaml: string,
  events: SandboxEvent[],
  options: Parameters<typeof runSandbox>[2] = {},
): Promise<SandboxRun> {
  return runSandbox(parseFleet(fleetYaml, 'test-fleet.yml'), events, options);
}

export const MUTATING = [
  'StopNotebookInstance',
  'StartNotebookInstance',
  'UpdateNotebookInstance',
  'UpdateEndpoint',
  'DeleteEndpointConfig',
];

/** Every mutating SageMaker call the emulator received during the run. */
export function mutatingCalls(run: SandboxRun): number {
  const sm = run.calls.sagemaker ?? {};
  return MUTATING.reduce((n, op) => n + (sm[op] ?? 0), 0);
}

export function outcomes(run: SandboxRun, execution = 0): Record<string, string> {
  const output = run.result.executions[execution]?.output as {
    notebooks: Array<{ name: string; outcome: string }>;
  };
  return Object.fromEntries(output.notebooks.map((n) => [n.name, n.outcome]));
}

export function notebook(run: SandboxRun, name: string) {
  return run.result.fleet.notebooks.find((n) => n.name === name)!;
}
