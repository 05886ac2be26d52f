import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CallChangesRepository, CallEventsRepository, retryOnConflict } from '@app/database';
import { JobName, QueueName, jobIds, type JobOf } from '@app/queue';
import type { CallEvent } from '@app/vapi';
import { eventOfDelivery } from './delivery-event';
import { CallsService, recordingRefs } from '../calls/calls.service';

export { recordingRefs } from '../calls/calls.service';

/** What applying one delivery did. */
export interface ApplyResult {
  /** False when the event log already held this dedup key (a redelivery). */
  logged: boolean;
  /** Follow-up jobs requested (idempotent by job id). */
  transcriptJobs: number;
  recordingJobs: number;
}

/** The outcome of one delivery of a batch: its result, or why it failed (alone). */
export type ApplyOutcome = { ok: true; result: ApplyResult } | { ok: false; error: Error };

type Delivery = JobOf<JobName.ApplyCallEvent>;

/** A delivery whose payload normalised, ready for the batch. */
interface Ready {
  index: number;
  delivery: Delivery;
  event: CallEvent;
}

/** A follow-up job to add after commit. */
interface FollowUp {
  queue: 'transcripts' | 'recordings';
  name: JobName;
  data: unknown;
  jobId: string;
}

/**
 * Applies accepted webhook events in batches: logs each once, folds every call's events into its
 * row (order- and duplicate-independent, see `mergeCallState`/`mergeTranscript`) and requests
 * follow-up work. A batch that fails is retried one delivery at a time, so one poison event
 * fails alone while its neighbours commit.
 */
@Injectable()
export class CallEventsService {
  private readonly logger = new Logger(CallEventsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: CallEventsRepository,
    private readonly changes: CallChangesRepository,
    private readonly calls: CallsService,
    @InjectQueue(QueueName.Transcripts) private readonly transcriptQueue: Queue,
    @InjectQueue(QueueName.Recordings) private readonly recordingQueue: Queue,
  ) {}

  /** Applies one delivery (a batch of one); throws what would fail its job. */
  async apply(data: Delivery): Promise<ApplyResult> {
    const [outcome] = await this.applyMany([data]);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Applies deliveries together and returns one outcome per delivery, in order. A payload that
   * no longer normalises fails at once (UnrecoverableError: retrying cannot help). The rest
   * commit in one transaction (`commit`); when that fails for a reason other than a lost
   * connection, each is retried in its own transaction so only the bad one fails. Follow-up
   * jobs are added after commit; if adding them fails, every delivery of the batch fails and
   * is retried by BullMQ, which re-applies harmlessly and adds them again (same ids).
   */
  async applyMany(deliveries: readonly Delivery[]): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(deliveries.length);
    const ready: Ready[] = [];
    deliveries.forEach((delivery, index) => {
      try {
        ready.push({ index, delivery, event: eventOfJob(delivery) });
      } catch (error) {
        outcomes[index] = {
          ok: false,
          error: new UnrecoverableError(`payload does not normalise: ${messageOf(error)}`),
        };
      }
    });
    if (ready.length === 0) return outcomes;

    try {
      await this.commitAndFollowUp(ready, outcomes);
      return outcomes;
    } catch (error) {
      if (ready.length === 1 || error instanceof FollowUpError || isConnectionError(error)) {
        for (const r of ready) outcomes[r.index] = { ok: false, error: failure(error) };
        return outcomes;
      }
      this.logger.warn(
        `batch of ${ready.length} failed (${messageOf(error)}); retrying each delivery alone`,
      );
    }
    for (const r of ready) {
      try {
        await this.commitAndFollowUp([r], outcomes);
      } catch (error) {
        this.logger.error(`event ${r.event.dedupKey} failed alone: ${messageOf(error)}`);
        outcomes[r.index] = { ok: false, error: failure(error) };
      }
    }
    return outcomes;
  }

  private async commitAndFollowUp(
    ready: readonly Ready[],
    outcomes: ApplyOutcome[],
  ): Promise<void> {
    const fresh = await this.commitRetryingConflicts(ready);
    const followUps = new Map<string, FollowUp>();
    for (const { index, delivery, event } of ready) {
      const own = followUpsOf(event);
      for (const f of own) followUps.set(`${f.queue}/${f.jobId}`, f);
      const result: ApplyResult = {
        logged: fresh.has(delivery.dedupKey) && firstOf(ready, delivery.dedupKey) === index,
        transcriptJobs: own.filter((f) => f.queue === 'transcripts').length,
        recordingJobs: own.filter((f) => f.queue === 'recordings').length,
      };
      if (!result.logged)
        this.logger.debug(`event ${event.dedupKey} was already logged; re-folded`);
      outcomes[index] = { ok: true, result };
    }
    try {
      await this.enqueue([...followUps.values()]);
    } catch (error) {
      throw new FollowUpError(error);
    }
  }

  /**
   * `commit`, again when Postgres chose it as a deadlock victim or could not serialise it (see
   * `retryOnConflict`): such a transaction was rolled back whole and succeeds on a plain rerun,
   * so neither failing every delivery of the batch nor isolating them would help.
   */
  private commitRetryingConflicts(ready: readonly Ready[]): Promise<Set<string>> {
    return retryOnConflict(() => this.commit(ready), {
      onRetry: (error) =>
        this.logger.warn(
          `batch of ${ready.length} hit ${String((error as { code?: unknown }).code)}; committing it again`,
        ),
    });
  }

  /**
   * One transaction: the event log insert (one statement; a known dedup key is not stored
   * again), then every named call folded through `CallsService` (which locks the calls in id
   * order), then the change feed, last. Redeliveries are folded too: the fold is idempotent, so
   * a crash between commit and job acknowledgement is harmless. Returns the new dedup keys.
   */
  private async commit(ready: readonly Ready[]): Promise<Set<string>> {
    return this.dataSource.transaction(async (m) => {
      const fresh = await this.events.appendMany(
        m,
        ready.map(({ delivery, event }) => ({
          callId: event.callId,
          dedupKey: event.dedupKey,
          kind: event.kind,
          messageType: event.messageType,
          occurredAt: event.occurredAt === null ? null : new Date(event.occurredAt),
          receivedAt: new Date(delivery.receivedAt),
          payload: delivery.payload ?? null,
        })),
      );
      const work = new Map<string, { events: CallEvent[] }>();
      for (const { event } of ready) {
        if (event.callId === null) continue;
        const entry = work.get(event.callId) ?? { events: [] };
        entry.events.push(event);
        work.set(event.callId, entry);
      }
      const changes = await this.calls.foldIntoCalls(m, work, {
        createMissing: true,
      });
      await this.changes.append(m, changes);
      return fresh;
    });
  }

  /** Adds follow-up jobs, one `addBulk` per queue; existing job ids are kept, not re-added. */
  private async enqueue(followUps: readonly FollowUp[]): Promise<void> {
    const bulk = (queue: FollowUp['queue']) =>
      followUps
        .filter((f) => f.queue === queue)
        .map((f) => ({ name: f.name, data: f.data, opts: { jobId: f.jobId } }));
    const transcripts = bulk('transcripts');
    const recordings = bulk('recordings');
    await Promise.all([
      transcripts.length > 0 ? this.transcriptQueue.addBulk(transcripts) : undefined,
      recordings.length > 0 ? this.recordingQueue.addBulk(recordings) : undefined,
    ]);
  }
}

/** Adding follow-up jobs failed after the batch committed: retry it whole, do not isolate. */
class FollowUpError extends Error {
  constructor(cause: unknown) {
    super(`follow-up jobs not added: ${messageOf(cause)}`);
  }
}

/** The transcript job of a report and a download per recording, with their stable ids. */
function followUpsOf(event: CallEvent): FollowUp[] {
  if (event.callId === null) return [];
  const callId = event.callId;
  const out: FollowUp[] = [];
  if (event.kind === 'end-of-call-report') {
    const data: JobOf<JobName.ProcessTranscript> = { callId };
    out.push({
      queue: 'transcripts',
      name: JobName.ProcessTranscript,
      data,
      jobId: jobIds.transcript(callId, event.dedupKey),
    });
  }
  for (const ref of recordingRefs(event)) {
    const data: JobOf<JobName.AttachRecording> = { callId, ...ref };
    out.push({
      queue: 'recordings',
      name: JobName.AttachRecording,
      data,
      jobId: jobIds.recording(callId, ref.kind),
    });
  }
  return out;
}

function firstOf(ready: readonly Ready[], dedupKey: string): number {
  return ready.find((r) => r.delivery.dedupKey === dedupKey)!.index;
}

/**
 * Errors that say nothing about the batch's content (Postgres unreachable, connection lost,
 * server shutting down): retrying each delivery alone would only multiply the failures.
 */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|57P|53)/.test(code)) return true;
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT …
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(
    messageOf(error),
  );
}

/**
 * The error a failed delivery's job fails with. A data exception (SQLSTATE class 22: a value
 * the schema cannot hold) comes back the same on every attempt, so the job goes straight to
 * the failed set, with its reason, instead of retrying (and re-batching) for nothing.
 */
function failure(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('22')) {
    return new UnrecoverableError(`${messageOf(error)} (SQLSTATE ${code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The event a job carries: its redacted payload normalised again (redaction never touches what
 * normalisation reads), under the dedup key the intake derived from the original body.
 */
export function eventOfJob(data: Delivery): CallEvent {
  return eventOfDelivery(data.payload, data.dedupKey);
}
