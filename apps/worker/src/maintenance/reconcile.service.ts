import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CallEventsRepository, CallsRepository } from '@app/database';
import { QueueName, callEventJob } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { endOfCallReportFromCall } from './end-of-call-report';
import { VapiApiClient, VapiApiError } from '../vapi-api/vapi-api.client';

/** What reconciling some calls did. */
export interface ReconcileReport {
  checked: number;
  /** Calls whose missed end-of-call report was enqueued (built from VAPI's Call object). */
  enqueued: string[];
  /** Calls whose report is already in the event log: nothing to recover. */
  alreadyReported: number;
  /** Calls VAPI says have not ended yet. */
  notEnded: number;
  /** Calls VAPI does not know (404). */
  notFound: number;
  /** Calls VAPI could not be asked about (network, timeout, 5xx); tried again next run. */
  failed: number;
}

/**
 * Stale calls looked at per run, most recently changed first: calls VAPI never ends (or has
 * forgotten) stay stale, and must not crowd out newly stuck ones or make a run unbounded.
 */
const MAX_PER_RUN = 1000;

const MINUTE_MS = 60_000;

/**
 * Recovers missed end-of-call reports (VAPI does not retry by default, PROTOCOL.md §8): asks
 * VAPI's REST API about calls that look stuck and, for each that has ended, enqueues the report
 * VAPI would have sent, exactly as the api enqueues a webhook. The report's dedup key is the
 * real report's, so one that did arrive is never applied twice.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger(ReconcileService.name);

  constructor(
    private readonly calls: CallsRepository,
    private readonly events: CallEventsRepository,
    private readonly vapi: VapiApiClient,
    @InjectQueue(QueueName.CallEvents) private readonly callEvents: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when VAPI_API_KEY is set (reconciliation cannot work without it). */
  get enabled(): boolean {
    return this.vapi.configured;
  }

  /**
   * Reconciles the given calls, or else every call not ended and not updated for
   * `staleMinutes` (default RECONCILE_STALE_MINUTES), at most 1000 per run.
   */
  async reconcile(
    options: { callIds?: readonly string[]; staleMinutes?: number; now?: Date } = {},
  ): Promise<ReconcileReport> {
    if (!this.enabled) throw new VapiApiError('VAPI_API_KEY is not set');
    const report: ReconcileReport = {
      checked: 0,
      enqueued: [],
      alreadyReported: 0,
      notEnded: 0,
      notFound: 0,
      failed: 0,
    };
    const ids =
      options.callIds !== undefined && options.callIds.length > 0
        ? [...new Set(options.callIds)]
        : await this.staleCallIds(options.staleMinutes, options.now);
    for (const callId of ids) {
      report.checked += 1;
      await this.reconcileCall(callId, report);
    }
    if (report.enqueued.length > 0 || report.failed > 0) {
      this.logger.log(
        `reconciled ${report.checked} call(s): ${report.enqueued.length} missed report(s) enqueued, ${report.failed} failed`,
      );
    }
    return report;
  }

  private async reconcileCall(callId: string, report: ReconcileReport): Promise<void> {
    if ((await this.events.findEndOfCallReport(callId)) !== null) {
      report.alreadyReported += 1;
      return;
    }
    let call;
    try {
      call = await this.vapi.getCall(callId);
    } catch (error) {
      report.failed += 1;
      this.logger.warn(
        `call ${callId}: cannot reconcile: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    if (call === null) {
      report.notFound += 1;
      this.logger.warn(`call ${callId}: VAPI does not know this call (404); skipped`);
      return;
    }
    if (call.status !== 'ended') {
      report.notEnded += 1;
      return;
    }
    const body = endOfCallReportFromCall(call);
    const event = normalizeWebhook(body);
    const job = callEventJob(redactPayload(body), event.dedupKey, new Date());
    await this.callEvents.add(job.name, job.data, job.opts);
    report.enqueued.push(callId);
    this.logger.log(`call ${callId}: enqueued its missed end-of-call report from VAPI`);
  }

  private async staleCallIds(staleMinutes?: number, now = new Date()): Promise<string[]> {
    const minutes = staleMinutes ?? this.config.reconcile.staleMinutes;
    return this.calls.listStaleUnendedIds(
      new Date(now.getTime() - minutes * MINUTE_MS),
      MAX_PER_RUN,
    );
  }
}
