/**
 * How the triggers hand work to Step Functions: one execution per patch request, named after its cause (a
 * finding, a schedule's time, an audit), so a repeated delivery finds the name taken and starts nothing.
 */
import { startExecution } from '../aws/stepfunctions.ts';
import { parsePatchRequest } from '../notebook/request.ts';
import type { NotebookPatchRequest } from './findings.ts';
import type { RequestDeps } from './requests.ts';
import type { TriggerResult } from './result.ts';

/** What every trigger talks to: Step Functions. */
export type TriggerDeps = Pick<RequestDeps, 'sfn' | 'notebookPatchStateMachineArn'>;

/** Validates each request as the workflow will (a bad one throws before anything starts) and starts it. */
export async function startRequests(
  requests: readonly NotebookPatchRequest[],
  deps: TriggerDeps,
): Promise<Pick<TriggerResult, 'started' | 'duplicates'>> {
  const result = { started: [] as string[], duplicates: [] as string[] };
  for (const request of requests) {
    const input = parsePatchRequest(request);
    const outcome = await startExecution(deps.sfn, deps.notebookPatchStateMachineArn, input.requestId, input);
    (outcome.started ? result.started : result.duplicates).push(input.requestId);
  }
  return result;
}
