import { ledger } from '../aws/clients/ledger.ts';
import { sagemaker } from '../aws/clients/sagemaker.ts';
import type { NotebookDeps } from './cycle-steps.ts';

/**
 * What every notebook step calls in Lambda, built once per container. The report also puts events on the bus
 * and selection reads tags in bulk: their handlers add those clients, so no other step's bundle carries them.
 */
export const notebookDeps: NotebookDeps = {
  sagemaker,
  ledger,
  now: () => Date.now(),
};
