/**
 * The Lambda tooling's settings for local runs: no Powertools log lines, metrics or traces on the
 * terminal. The sandbox sets them before it loads a handler; the test runner sets them before any test file
 * imports one (vitest.config.ts), since the logger and metrics read them once, when first built.
 */
export const QUIET_LAMBDA_ENVIRONMENT = {
  POWERTOOLS_LOG_LEVEL: process.env.CARETAKER_SANDBOX_LOG_LEVEL ?? 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
} as const;
