import { eventClients } from '../aws/eventbridge.ts';
import { ledgerClients } from '../aws/ledger/client.ts';
import { sagemaker } from '../aws/sagemaker/client.ts';
import { tagging } from '../aws/tagging.ts';
import type { NotebookDeps } from './cycle-steps.ts';
import type { SelectionDeps } from './selection.ts';

/** The clients the notebook steps use in Lambda, built once per container. */
export const notebookDeps: NotebookDeps = {
  sagemaker,
  ledger: ledgerClients,
  events: eventClients,
  now: () => Date.now(),
};

/** Selection also reads tags in bulk. */
export const selectionDeps: SelectionDeps = { ...notebookDeps, tagging };
