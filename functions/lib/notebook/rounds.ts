/**
 * The rounds of a window too large for one state payload: `select-targets` hands the Map the first, and
 * `next-round` reads each later one from the ledger. Kept apart from selection.ts, whose planning brings
 * the SageMaker and tagging clients and the request schemas, so `next-round` is built with none of them.
 */
import { readRound } from '../aws/ledger/notebooks.ts';
import type { LedgerClients } from '../aws/ledger/client.ts';
import { permissionsOf } from '../iam.ts';

/** The names of the round the Map runs now, and the index of the next round, if any. */
export interface Round {
  index: number;
  names: string[];
  next?: number;
}

/** Round `index` of `rounds`, holding `names`. */
export function roundAt(index: number, names: string[], rounds: number): Round {
  return { index, names, ...(index + 1 < rounds ? { next: index + 1 } : {}) };
}

export const nextRoundPermissions = /* @__PURE__ */ permissionsOf(readRound);

/** The next round of a plan too large for one state payload. */
export async function nextRound(
  input: { requestId: string; index: number; rounds: number },
  deps: { ledger: LedgerClients },
): Promise<Round> {
  const names = await readRound(deps.ledger, input.requestId, input.index);
  return roundAt(input.index, names, input.rounds);
}
