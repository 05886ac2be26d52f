import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import {
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  DEFAULT_TENANT_ID,
  tenantKey,
  RecordingsRepository,
  type NewCallChange,
} from '@app/database';
import { JobName, QueueName, jobIds, type JobOf } from '@app/queue';
import { normalizeWebhook, type CallEvent, type RecordingRef } from '@app/vapi';
import { TranscriptsService } from '../transcripts/transcripts.service';
import { callChanges } from './call-changes';
import { callColumnsFromState, callStateFromRow, sameCallState } from './call-row';
import { mergeCallState } from './call-state';

/** What applying one delivery did. */
export interface ApplyResult {
  /** False when the event log already held this dedup key (a redelivery). */
  logged: boolean;
  /** Follow-up jobs requested (idempotent by job id). */
  transcriptJobs: number;
  recordingJobs: number;
}

/**
 * Applies accepted webhook events: logs each once, folds it into its call (order- and
 * duplicate-independent, see `mergeCallState`/`mergeTranscript`) and requests follow-up work.
 */
@Injectable()
export class CallEventsService {
  private readonly logger = new Logger(CallEventsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly calls: CallsRepository,
    private readonly events: CallEventsRepository,
    private readonly recordings: RecordingsRepository,
    private readonly changes: CallChangesRepository,
    private readonly transcripts: TranscriptsService,
    @InjectQueue(QueueName.Transcripts) private readonly transcriptQueue: Queue,
    @InjectQueue(QueueName.Recordings) private readonly recordingQueue: Queue,
  ) {}

  /**
   * In one transaction: append the event to the log (a known dedup key is not stored again) and,
   * when it names a call, fold it into the locked call row, its transcript and its recordings.
   * The fold runs for redeliveries too — it is idempotent, so a crash between commit and job
   * acknowledgement is harmless. After commit, enqueue the transcript job (for a report) and a
   * download per recording; both are deduplicated by job id.
   */
  async apply(data: JobOf<JobName.ApplyCallEvent>): Promise<ApplyResult> {
    const event = eventOfJob(data);
    const logged = await this.dataSource.transaction(async (m) => {
      const isNew = await this.events.append(m, {
        callId: event.callId,
        dedupKey: event.dedupKey,
        kind: event.kind,
        messageType: event.messageType,
        occurredAt: event.occurredAt === null ? null : new Date(event.occurredAt),
        receivedAt: new Date(data.receivedAt),
        payload: data.payload ?? null,
      });
      if (event.callId !== null) {
        await this.changes.append(m, await this.foldIntoCall(m, event.callId, event));
      }
      return isNew;
    });
    if (!logged) this.logger.debug(`event ${event.dedupKey} was already logged; re-folded`);
    if (event.callId === null) return { logged, transcriptJobs: 0, recordingJobs: 0 };

    const transcriptJobs = event.kind === 'end-of-call-report' ? 1 : 0;
    if (transcriptJobs > 0) {
      const job: JobOf<JobName.ProcessTranscript> = { callId: event.callId };
      await this.transcriptQueue.add(JobName.ProcessTranscript, job, {
        jobId: jobIds.transcript(event.callId, event.dedupKey),
      });
    }
    const refs = recordingRefs(event);
    for (const ref of refs) {
      const job: JobOf<JobName.AttachRecording> = { callId: event.callId, ...ref };
      await this.recordingQueue.add(JobName.AttachRecording, job, {
        jobId: jobIds.recording(event.callId, ref.kind),
      });
    }
    return { logged, transcriptJobs, recordingJobs: refs.length };
  }

  /**
   * Folds one event into its call row, transcript and recordings, inside the caller's
   * transaction (the row is locked until it ends), and returns the change-feed entries the
   * fold amounts to. Replay re-derives calls through this too.
   */
  async foldIntoCall(m: EntityManager, callId: string, event: CallEvent): Promise<NewCallChange[]> {
    await this.calls.insertIfMissing(m, callId);
    const row = await this.calls.findByIdForUpdate(m, callId);
    if (row === null) throw new Error(`call ${callId} vanished inside its own transaction`);
    const state = callStateFromRow(row);
    const merged = mergeCallState(state, event);
    const transcript = await this.transcripts.foldTranscript(m, row, merged, event);
    await this.calls.updateColumns(m, callId, {
      ...(sameCallState(state, merged) ? {} : callColumnsFromState(merged)),
      ...transcript.columns,
    });
    await this.recordings.registerMany(m, callId, recordingRefs(event));
    return callChanges(state, merged, transcript.before, transcript.after);
  }
}

/**
 * The event a job carries: its redacted payload normalised again (redaction never touches what
 * normalisation reads), under the dedup key the intake derived from the original body.
 */
export function eventOfJob(data: JobOf<JobName.ApplyCallEvent>): CallEvent {
  const event = normalizeWebhook(data.payload);
  // A call is keyed within its tenant: everything downstream (rows, follow-up jobs, the feed)
  // then keeps tenants apart without knowing about them.
  const callId =
    event.callId === null
      ? null
      : tenantKey(data.tenantId ?? DEFAULT_TENANT_ID, event.callId);
  return { ...event, callId, dedupKey: data.dedupKey };
}

/** The recordings an event makes known, one per kind (the event's own list first). */
export function recordingRefs(event: CallEvent): RecordingRef[] {
  const byKind = new Map<string, RecordingRef>();
  for (const ref of [...(event.recordings ?? []), ...(event.report?.recordings ?? [])]) {
    if (!byKind.has(ref.kind)) byKind.set(ref.kind, ref);
  }
  return [...byKind.values()];
}
