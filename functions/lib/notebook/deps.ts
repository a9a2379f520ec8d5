import { eventClients } from '../aws/eventbridge.ts';
import { lambdaHandler } from '../handler.ts';
import type { Permission } from '../iam.ts';
import type { Cycle } from './cycle.ts';
import { ledgerClients } from '../aws/ledger/client.ts';
import type { NotebookDeps } from './cycle-steps.ts';
import { sagemaker } from '../aws/sagemaker/client.ts';

/** The clients the notebook steps use in Lambda, built once per container. */
export const notebookDeps: NotebookDeps = {
  sagemaker,
  ledger: ledgerClients,
  events: eventClients,
  now: () => Date.now(),
};

/** A notebook-cycle step as a Lambda: the cycle in, the next cycle out, with its declared permissions. */
export function cycleStep<I extends Cycle>(
  step: (cycle: I, deps: NotebookDeps) => Promise<Cycle>,
  permissions: Permission[],
) {
  return { permissions, handler: lambdaHandler((cycle: I) => step(cycle, notebookDeps)) };
}
