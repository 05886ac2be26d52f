import { Counter, Gauge, Registry } from 'prom-client';
import { withTimeout } from '@app/observability';

/**
 * `vapi_outbox_depth` (rows waiting, read from Postgres at scrape time; no sample when Postgres
 * does not answer within `timeoutMs`) and `vapi_outbox_jobs_total{event}` (written, relayed).
 */
export class OutboxMetrics {
  private readonly jobs: Counter<'event'>;

  constructor(registry: Registry, depth: () => Promise<number>, timeoutMs = 1000) {
    new Gauge({
      name: 'vapi_outbox_depth',
      help: 'Events accepted while the queue was unavailable and not yet relayed to it',
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await withTimeout(depth(), timeoutMs, 'outbox depth').catch(() => undefined);
        if (rows !== undefined) this.set(rows);
      },
    });
    this.jobs = new Counter({
      name: 'vapi_outbox_jobs_total',
      help: 'Events this process accepted into the outbox (written, redeliveries included) and rows its relay moved into the queue (relayed)',
      labelNames: ['event'],
      registers: [registry],
    });
    this.jobs.inc({ event: 'written' }, 0);
    this.jobs.inc({ event: 'relayed' }, 0);
  }

  written(): void {
    this.jobs.inc({ event: 'written' });
  }

  relayed(count: number): void {
    this.jobs.inc({ event: 'relayed' }, count);
  }
}
