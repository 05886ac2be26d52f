import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  CallEventRecord,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  retryOnConflict,
} from '@app/database';
import { JobName, QueueName, jobIds, type JobOf } from '@app/queue';
import type { CallEvent } from '@app/vapi';
import { eventOfDelivery } from '../call-events/delivery-event';
import { CallsService } from '../calls/calls.service';

/** Which calls to replay: the given ids, and/or every call first seen in `[from, to)`. */
export interface ReplaySelection {
  callIds?: readonly string[];
  from?: Date;
  to?: Date;
}

/** What to do for each selected call. */
export interface ReplayOptions {
  /** Re-derive the call row, its transcript and recordings list from the event log. */
  rederive: boolean;
  /** Enqueue the transcript job and the downloads of recordings not stored yet. */
  followups: boolean;
  /** Re-derive even when some payloads were purged: those events are skipped (their data is lost). */
  force: boolean;
  /** Epoch ms that makes the follow-up job ids fresh; the same value gives the same ids. */
  requestedAt: number;
}

/** What re-deriving one call did. */
export type RederiveOutcome =
  /** The row was rebuilt from its events. */
  | 'rederived'
  /** Nothing changed: some events cannot be re-applied (purged or unreadable) and `force` is off. */
  | 'refused'
  /** No row and no logged event with this id. */
  | 'not-found';

/** One call's re-derivation. */
export interface RederiveResult {
  callId: string;
  outcome: RederiveOutcome;
  /** Events in the log for this call. */
  events: number;
  /** Events re-applied. */
  applied: number;
  /** Events whose payload retention removed. */
  purged: number;
  /** Events whose stored payload no longer normalises to an event of this call. */
  unreadable: number;
}

/** Counts of a whole replay. */
export interface ReplayReport {
  calls: number;
  rederived: number;
  /** Calls left untouched because of purged or unreadable payloads (rerun with force). */
  refused: string[];
  notFound: string[];
  /** Events skipped while force-re-deriving. */
  skippedEvents: number;
  transcriptJobs: number;
  recordingJobs: number;
}

/** Ids per page when walking a time range, so a long range never loads every id at once. */
const PAGE = 500;

/**
 * Replays calls: re-derives their state from the stored event log through the worker's own
 * fold (`CallsService`, as call-event batches and the transcript job), and re-runs their follow-up
 * jobs. Idempotent, and safe while workers run: each call is rebuilt in one transaction under
 * its row lock, which every writer of a call takes too.
 */
@Injectable()
export class ReplayService {
  private readonly logger = new Logger(ReplayService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly calls: CallsRepository,
    private readonly events: CallEventsRepository,
    private readonly recordings: RecordingsRepository,
    private readonly callsService: CallsService,
    @InjectQueue(QueueName.Transcripts) private readonly transcriptQueue: Queue,
    @InjectQueue(QueueName.Recordings) private readonly recordingQueue: Queue,
  ) {}

  /** Replays every selected call (each id once), one call at a time. */
  async replay(selection: ReplaySelection, options: ReplayOptions): Promise<ReplayReport> {
    const report: ReplayReport = {
      calls: 0,
      rederived: 0,
      refused: [],
      notFound: [],
      skippedEvents: 0,
      transcriptJobs: 0,
      recordingJobs: 0,
    };
    for await (const callId of this.selectedIds(selection)) {
      report.calls += 1;
      if (options.rederive) {
        const result = await this.rederive(callId, options.force);
        if (result.outcome === 'refused') {
          report.refused.push(callId);
          this.logger.warn(
            `call ${callId}: not re-derived: ${result.purged} purged and ${result.unreadable} unreadable payload(s) of ${result.events} event(s); use force to re-derive from the rest`,
          );
          continue;
        }
        if (result.outcome === 'not-found') {
          report.notFound.push(callId);
          continue;
        }
        report.rederived += 1;
        report.skippedEvents += result.purged + result.unreadable;
      }
      if (options.followups) {
        const jobs = await this.enqueueFollowups(callId, options.requestedAt);
        if (jobs === null) {
          report.notFound.push(callId);
          continue;
        }
        report.transcriptJobs += jobs.transcriptJobs;
        report.recordingJobs += jobs.recordingJobs;
      }
    }
    return report;
  }

  /**
   * Rebuilds one call from its event log, in one transaction under the call's row lock: folds
   * every logged event into "nothing known yet" exactly as the worker does, refreshes the
   * transcript's derived columns as the transcript job does, and writes what differs from the
   * stored row (the id and `first_seen_at` stay). Recording rows keep their download state.
   * Refuses (changing nothing) when an event cannot be re-applied, unless `force`.
   */
  rederive(callId: string, force = false): Promise<RederiveResult> {
    return retryOnConflict(() => this.rederiveOnce(callId, force), {
      onRetry: (error) =>
        this.logger.warn(
          `call ${callId}: replay transaction hit ${String((error as { code?: unknown }).code)}; running it again`,
        ),
    });
  }

  private rederiveOnce(callId: string, force: boolean): Promise<RederiveResult> {
    return this.dataSource.transaction<RederiveResult>(async (m) => {
      const [row] = await this.calls.lockByIds(m, [callId]);
      // Events can outlive a deleted row; without either there is nothing to replay.
      if (row === undefined && (await this.events.listByCall(callId, m)).length === 0) {
        return { callId, outcome: 'not-found', events: 0, applied: 0, purged: 0, unreadable: 0 };
      }
      // Listed under the lock: an event whose fold is waiting for the lock is folded after us.
      const records = await this.events.listByCall(callId, m);
      const usable: CallEvent[] = [];
      let purged = 0;
      let unreadable = 0;
      for (const record of records) {
        if (record.payload === null || record.payload === undefined) {
          purged += 1;
          continue;
        }
        const event = this.eventOf(record);
        if (event === null) unreadable += 1;
        else usable.push(event);
      }
      const counts = { callId, events: records.length, purged, unreadable };
      if (purged + unreadable > 0 && !force) {
        return { ...counts, outcome: 'refused', applied: 0 };
      }

      await this.callsService.foldIntoCalls(
        m,
        new Map([[callId, { events: usable, recompute: true, fromScratch: true }]]),
        { createMissing: true },
      );
      return { ...counts, outcome: 'rederived', applied: usable.length };
    });
  }

  /**
   * Enqueues a call's follow-up jobs under fresh ids (finished jobs keep their ids for a day and
   * would swallow a re-add): the transcript job when an end-of-call report is logged, and a
   * download per recording not stored yet. Null when the call does not exist.
   */
  async enqueueFollowups(
    callId: string,
    requestedAt: number,
  ): Promise<{ transcriptJobs: number; recordingJobs: number } | null> {
    if ((await this.calls.findById(callId)) === null) return null;
    const trigger = `replay-${requestedAt}`;
    let transcriptJobs = 0;
    if ((await this.events.findEndOfCallReport(callId)) !== null) {
      const job: JobOf<JobName.ProcessTranscript> = { callId };
      await this.transcriptQueue.add(JobName.ProcessTranscript, job, {
        jobId: jobIds.transcript(callId, trigger),
      });
      transcriptJobs = 1;
    }
    let recordingJobs = 0;
    for (const recording of await this.recordings.listByCall(callId)) {
      if (recording.state === 'stored') continue;
      const job: JobOf<JobName.AttachRecording> = {
        callId,
        kind: recording.kind,
        url: recording.sourceUrl,
      };
      await this.recordingQueue.add(JobName.AttachRecording, job, {
        jobId: `${jobIds.recording(callId, recording.kind)}-${trigger}`,
      });
      recordingJobs += 1;
    }
    return { transcriptJobs, recordingJobs };
  }

  /** The selected ids, each once: the explicit ones, then the range page by page. */
  private async *selectedIds(selection: ReplaySelection): AsyncGenerator<string> {
    const seen = new Set<string>();
    for (const id of selection.callIds ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
    const { from, to } = selection;
    if (from === undefined || to === undefined) return;
    let after = '';
    for (;;) {
      const page = await this.calls.listIdsFirstSeenBetween(from, to, PAGE, after);
      for (const id of page) {
        if (seen.has(id)) continue;
        seen.add(id);
        yield id;
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1];
    }
  }

  /**
   * A logged event as the worker saw it. The payload is the redacted body, which normalises to
   * the same event; the logged dedup key is kept because it is part of every field version, and
   * redaction could change the key of kinds hashed from their whole message.
   */
  private eventOf(record: CallEventRecord): CallEvent | null {
    try {
      const event = eventOfDelivery(record.payload, record.dedupKey);
      return event.callId === record.callId ? event : null;
    } catch (error) {
      this.logger.warn(
        `event ${record.id} of call ${record.callId ?? '-'} no longer normalises: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return null;
    }
  }
}
