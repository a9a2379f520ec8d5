/**
 * The detail-types of what the finding triggers put on the bus. Apart from the modules that build the
 * events, so that `queue-findings.ts`, which takes `Finding Noted` back, loads neither them nor croner.
 */
export const FINDING_NOTED = 'Finding Noted';
export const FINDING_NOT_REMEDIABLE = 'Finding Not Remediable';
