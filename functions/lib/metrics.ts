import { Metrics } from '@aws-lambda-powertools/metrics';
import { logger } from './observability.ts';

/**
 * Caretaker's CloudWatch metrics (EMF). Only the steps that conclude a workflow publish any, once, as the last
 * thing they do; so only their bundles carry Powertools Metrics (~13 KB), and no middleware flushes for the
 * others. Its warnings (e.g. nothing to publish) go through the JSON logger, not straight to stdout.
 */
const metrics = /* @__PURE__ */ new Metrics({ namespace: 'Caretaker', serviceName: 'caretaker', logger });

/** Publishes `counts` now, as one EMF record of Count metrics. */
export function publishCounts(counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, 'Count', value);
  metrics.publishStoredMetrics();
}
