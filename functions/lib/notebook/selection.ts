import { ValidationError } from '../errors.ts';
import { permissionsOf } from '../iam.ts';
import { openWindow } from '../aws/ledger/windows.ts';
import type { Cycle } from './cycle.ts';
import type { NotebookDeps } from './cycle-steps.ts';
import { desiredSettings } from './settings.ts';
import type { NotebookResult } from './outcomes.ts';
import { parsePatchRequest, toleratedFailures } from './request.ts';
import { lifecycleConfigExists, listNotebooks, listNotebookTags } from '../aws/sagemaker/notebooks.ts';
import { planTargets } from './targets.ts';

/** The first step of notebook-patch: validate the request and choose the notebooks (the report is report-step.ts). */

export interface Selection {
  requestId: string;
  dryRun: boolean;
  maxConcurrency: number;
  plan: Array<{ name: string }>;
  skipped: NotebookResult[];
  /** The fields every notebook's cycle starts with. */
  cycle: Omit<Cycle, 'name' | 'next'>;
}

export const selectTargetsPermissions = permissionsOf(
  listNotebooks,
  listNotebookTags,
  lifecycleConfigExists,
  openWindow,
);

/**
 * Validates the request and decides which notebooks the window will cycle. Nothing is changed here, so a
 * bad request or a missing lifecycle configuration stops the workflow before its first change.
 */
export async function selectTargets(input: unknown, deps: NotebookDeps): Promise<Selection> {
  const request = parsePatchRequest(input);
  const lifecycle = request.settings.lifecycleConfigName;
  if (lifecycle && !(await lifecycleConfigExists(deps.sagemaker, lifecycle))) {
    throw new ValidationError([
      {
        field: 'settings.lifecycleConfigName',
        message: `lifecycle configuration ${JSON.stringify(lifecycle)} does not exist`,
      },
    ]);
  }
  const listed = await listNotebooks(deps.sagemaker);
  const wanted = 'names' in request.targets ? new Set(request.targets.names) : undefined;
  const candidates = [];
  for (const nb of listed) {
    if (wanted && !wanted.has(nb.name)) continue;
    candidates.push({ ...nb, tags: await listNotebookTags(deps.sagemaker, nb.arn) });
  }
  const { plan, skipped } = planTargets(request.targets, candidates, request.policy, deps.now());
  const tolerated = toleratedFailures(request.policy.maxErrors, plan.length);
  if (!request.policy.dryRun && plan.length > 0) await openWindow(deps.ledger, request.requestId, deps.now());
  return {
    requestId: request.requestId,
    dryRun: request.policy.dryRun,
    maxConcurrency: request.policy.maxConcurrency,
    plan,
    skipped,
    cycle: {
      requestId: request.requestId,
      desired: desiredSettings(request.settings),
      tolerated,
      timing: {
        expectedStopSeconds: request.policy.expectedStopSeconds,
        expectedStartSeconds: request.policy.expectedStartSeconds,
        stopTimeoutSeconds: request.policy.stopTimeoutSeconds,
        startTimeoutSeconds: request.policy.startTimeoutSeconds,
        ...(request.policy.deadline ? { deadline: request.policy.deadline } : {}),
      },
    },
  };
}
