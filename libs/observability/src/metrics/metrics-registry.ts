import { Registry, collectDefaultMetrics, register as processRegistry } from 'prom-client';

/**
 * The metrics of one app instance (a DI token as well as a prom-client registry). Separate from
 * prom-client's global registry so that several app instances in one process (tests) never share
 * counters; the process-wide default metrics stay in the global registry.
 */
export class MetricsRegistry extends Registry {}

/** Content type of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = processRegistry.contentType;

/** Collects Node's default metrics (CPU, memory, event loop, GC) once per process. */
export function ensureDefaultMetrics(): void {
  if (processRegistry.getSingleMetric('process_cpu_user_seconds_total') !== undefined) return;
  collectDefaultMetrics({ register: processRegistry });
}

/** The Prometheus text of the process's default metrics followed by an app's own metrics. */
export async function renderMetrics(registry: Registry): Promise<string> {
  ensureDefaultMetrics();
  return Registry.merge([processRegistry, registry]).metrics();
}
