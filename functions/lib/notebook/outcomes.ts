/** Per-notebook outcomes of a patch window (the report and the `Notebook Patch Completed` event use these). */
export const OUTCOMES = [
  'patched',
  'settings-applied',
  'rolled-back',
  /** Another caretaker window restarted it after this request was made, with the requested settings. */
  'already-patched',
  'skipped-exempt',
  'skipped-busy',
  'not-found',
  /** Not admitted: the window's error budget was spent or its deadline had passed. Nothing was changed. */
  'not-started',
  'failed',
  'needs-attention',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that spend the window's error budget (`maxErrors`). */
export const ERROR_OUTCOMES: ReadonlySet<Outcome> = new Set(['rolled-back', 'failed', 'needs-attention']);

export interface NotebookResult {
  name: string;
  outcome: Outcome;
  reason?: string;
  failureReason?: string;
  /** CloudWatch Logs stream of the lifecycle script, where a start failed. */
  lifecycleLog?: string;
  /** The status caretaker left the notebook in, where it is not back in service. */
  status?: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  seconds?: number;
}
