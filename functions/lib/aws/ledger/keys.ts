/**
 * The keys of the notebook window's pages in the ledger (see notebooks.ts for what each holds). A module of
 * its own, free of clients, so that a reader outside Lambda (the sandbox's progress) can name the pages
 * without building an SDK client at import.
 */
export const ledgerKeys = {
  window: (requestId: string) => `window#${requestId}`,
  round: (requestId: string, index: number | 'skipped') => `window#${requestId}#round#${index}`,
  result: (requestId: string, name: string) => `result#${requestId}#${name}`,
  slots: (scope: string) => `slots#${scope}`,
  notebook: (name: string) => `notebook#${name}`,
  /** A patch group's queue of settings a finding asked for, applied by the group's next window. */
  queue: (group: string) => `queue#${group}`,
} as const;
