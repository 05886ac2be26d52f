import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ReconcileStateRepository } from '@app/database';
import { QueueName, callEventJob } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { VAPI_MAX_LIMIT, VapiApiClient, VapiApiError } from '../vapi-api/vapi-api.client';
import { endOfCallReportFromCall, statusUpdateFromCall, type VapiCall } from './end-of-call-report';

/** What one sweep did. */
export interface SweepReport {
  /** The watermark before and after (ISO 8601); equal when nothing could be swept. */
  from: string | null;
  to: string | null;
  /** `GET /call` requests made. */
  requests: number;
  /** Calls VAPI listed in the windows that were compared. */
  listed: number;
  /** Calls VAPI shows ended whose report we lacked: the report was enqueued. */
  reportsEnqueued: string[];
  /** Calls VAPI shows ended, not yet post-processed, that we had as not ended: the end was enqueued. */
  endsEnqueued: string[];
  /** Calls we had never heard of (their report or current status was enqueued). */
  created: string[];
  /** False when the sweep stopped before now minus the settle time (request budget, error). */
  caughtUp: boolean;
}

/** The watermark row of this sweep. PERSISTENT: see `ReconcileWatermark.key`. */
export const CALLS_WATERMARK_KEY = 'calls';

/** Calls asked for per request (VAPI's default page size; Call objects carry whole transcripts). */
export const SWEEP_PAGE_SIZE = 100;

/** How far back the very first sweep of an install looks. */
const FIRST_SWEEP_LOOKBACK_MS = 60 * 60_000;

/**
 * Requests one sweep may make; the rest waits for the next sweep (the watermark keeps the
 * place), so a backlog never turns one job into a burst against VAPI's rate limit.
 */
const MAX_REQUESTS_PER_SWEEP = 60;

/** Statuses of a call still under way at VAPI (PROTOCOL.md §2). */
const LIVE_STATUSES = new Set(['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding']);

/**
 * The every-minute reconciliation (issue 14): lists the calls VAPI changed since the stored
 * watermark (`GET /call?updatedAtGt=…&updatedAtLe=…`) and compares them with what is stored.
 * A call VAPI shows ended whose report we lack gets the report VAPI would have sent, built from
 * the Call object (the real report's dedup key, so a late real one changes nothing); a call we
 * never heard of is created from its report or its current status. Calls changed within
 * RECONCILE_SETTLE_SECONDS are left for a later sweep, so a report still in flight is not
 * pre-empted.
 *
 * The list has no cursor and no documented order, so paging moves the window: a window that
 * comes back with fewer calls than the limit is complete and the watermark moves to its end;
 * a full one is cut at the median `updatedAt` of what came back and retried; a single
 * millisecond holding a full page is read at VAPI's largest limit.
 */
@Injectable()
export class CallSweepService {
  private readonly logger = new Logger(CallSweepService.name);

  constructor(
    private readonly vapi: VapiApiClient,
    private readonly state: ReconcileStateRepository,
    @InjectQueue(QueueName.CallEvents) private readonly callEvents: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when VAPI_API_KEY is set. */
  get enabled(): boolean {
    return this.vapi.configured;
  }

  /** One sweep from the stored watermark up to now minus the settle time. */
  async sweep(options: { now?: Date; pageSize?: number } = {}): Promise<SweepReport> {
    if (!this.enabled) throw new VapiApiError('VAPI_API_KEY is not set');
    const pageSize = options.pageSize ?? SWEEP_PAGE_SIZE;
    const now = (options.now ?? new Date()).getTime();
    const end = now - this.config.reconcile.settleSeconds * 1000;
    const stored = await this.state.findWatermark(CALLS_WATERMARK_KEY);
    let lower = stored?.getTime() ?? end - FIRST_SWEEP_LOOKBACK_MS;
    const report: SweepReport = {
      from: stored?.toISOString() ?? null,
      to: stored?.toISOString() ?? null,
      requests: 0,
      listed: 0,
      reportsEnqueued: [],
      endsEnqueued: [],
      created: [],
      caughtUp: lower >= end,
    };
    let upper = end;
    while (lower < end) {
      if (report.requests >= MAX_REQUESTS_PER_SWEEP) break;
      report.requests += 1;
      const page = await this.vapi.listCallsUpdated({
        after: iso(lower),
        atOrBefore: iso(upper),
        limit: pageSize,
      });
      let complete: VapiCall[] | undefined;
      if (page.length < pageSize) {
        complete = page;
      } else if (upper - lower <= 1) {
        // One millisecond holds a full page: no window is narrower, so ask for all of it.
        report.requests += 1;
        complete = await this.vapi.listCallsUpdated({
          atOrAfter: iso(upper),
          atOrBefore: iso(upper),
          limit: VAPI_MAX_LIMIT,
        });
        if (complete.length >= VAPI_MAX_LIMIT) {
          this.logger.warn(
            `VAPI lists ${complete.length}+ calls changed at ${iso(upper)}: more than one request can return; some may be missed until they change again`,
          );
        }
      } else {
        upper = cutWindow(page, lower, upper);
        continue;
      }
      await this.compare(complete, report);
      await this.state.advanceWatermark(CALLS_WATERMARK_KEY, new Date(upper));
      report.listed += complete.length;
      report.to = iso(upper);
      lower = upper;
      upper = end;
    }
    report.caughtUp = lower >= end;
    if (report.reportsEnqueued.length + report.created.length > 0) {
      this.logger.log(
        `sweep to ${report.to}: ${report.listed} call(s) listed, ${report.reportsEnqueued.length} missed report(s) enqueued, ${report.created.length} unseen call(s) created`,
      );
    }
    if (!report.caughtUp) {
      this.logger.warn(
        `sweep stopped at ${report.to ?? 'the start'} after ${report.requests} request(s); the next sweep continues from there`,
      );
    }
    return report;
  }

  /** Enqueues what VAPI knows and we lack, for calls of one complete window. */
  private async compare(calls: VapiCall[], report: SweepReport): Promise<void> {
    const unique = [...new Map(calls.map((c) => [c.id, c])).values()];
    const stored = await this.state.findCallStates(unique.map((c) => c.id));
    for (const call of unique) {
      const known = stored.get(call.id);
      if (call.status === 'ended') {
        if (known?.reported) continue;
        if (!postProcessed(call)) {
          // Ended but not yet analysed: its report is still to come, and one built now would
          // take the real one's dedup key with none of its content. Record the end only; VAPI
          // changes the call again when post-processing ends, and the sweep sees it then.
          if (known?.status === 'ended') continue;
          await this.enqueue(statusUpdateFromCall(call));
          report.endsEnqueued.push(call.id);
          if (known === undefined) report.created.push(call.id);
          continue;
        }
        await this.enqueue(endOfCallReportFromCall(call));
        report.reportsEnqueued.push(call.id);
        if (known === undefined) report.created.push(call.id);
      } else if (known === undefined && LIVE_STATUSES.has(String(call.status))) {
        await this.enqueue(statusUpdateFromCall(call));
        report.created.push(call.id);
      }
    }
  }

  /** Enqueues a body exactly as the api enqueues a webhook (redacted, keyed by its dedup key). */
  private async enqueue(body: { message: Record<string, unknown> }): Promise<void> {
    const event = normalizeWebhook(body);
    const job = callEventJob(redactPayload(body), event.dedupKey, new Date());
    await this.callEvents.add(job.name, job.data, job.opts);
  }
}

/** True once VAPI has attached the call's artifact or analysis (what its report carries). */
function postProcessed(call: VapiCall): boolean {
  return (
    (call.artifact !== undefined && call.artifact !== null) ||
    (call.analysis !== undefined && call.analysis !== null)
  );
}

/**
 * Where to cut a full window `(lower, upper]`: at the median `updatedAt` of the page, so about
 * half of what came back fits below it whatever order VAPI listed it in; always strictly inside
 * the window, so the next request asks for less.
 */
export function cutWindow(page: readonly VapiCall[], lower: number, upper: number): number {
  const times = page
    .map((c) => Date.parse(String(c.updatedAt)))
    .filter((t) => Number.isFinite(t) && t > lower && t <= upper)
    .sort((a, b) => a - b);
  const median =
    times.length === 0
      ? lower + Math.floor((upper - lower) / 2)
      : times[Math.floor((times.length - 1) / 2)];
  return Math.max(lower + 1, Math.min(median, upper - 1));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
