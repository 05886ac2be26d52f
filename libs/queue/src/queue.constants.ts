import { DEFAULT_TENANT_ID, tenantKey } from '@app/database';

/**
 * Queue names. PERSISTENT: these are Redis key names; renaming one strands every job already
 * waiting under the old name.
 */
export enum QueueName {
  CallEvents = 'call-events',
  Transcripts = 'call-transcripts',
  Recordings = 'call-recordings',
  Maintenance = 'maintenance',
}

/** Job names say what the job does. PERSISTENT for the same reason as queue names. */
export enum JobName {
  ApplyCallEvent = 'apply-call-event',
  ProcessTranscript = 'process-transcript',
  AttachRecording = 'attach-recording',
  PurgePayloads = 'purge-payloads',
  Replay = 'replay',
  ReconcileCalls = 'reconcile-calls',
}

/** Payload of each job, keyed by job name. */
export interface JobPayloads {
  /**
   * One accepted webhook. The worker normalises `payload` itself; the intake only validates it
   * and derives its identity, so the body travels (and is serialised) once.
   */
  [JobName.ApplyCallEvent]: {
    /** The body as received, with credentials redacted; stored in the event log. */
    payload: unknown;
    /**
     * The event's dedup key (`CallEvent.dedupKey`) within its tenant (`tenantKey`: prefixed for
     * any tenant but the default, which is how the worker knows whose call it is): the event
     * log's unique key, the job id's tail.
     */
    dedupKey: string;
    /** When the api accepted the request (ISO 8601). */
    receivedAt: string;
  };
  [JobName.ProcessTranscript]: { callId: string };
  [JobName.AttachRecording]: { callId: string; kind: string; url: string };
  [JobName.PurgePayloads]: Record<string, never>;
  /** Re-derive calls from their event log and/or re-run their follow-up jobs (admin replay). */
  [JobName.Replay]: {
    callIds?: string[];
    /** With `to`: every call first seen in `[from, to)` (ISO 8601). */
    from?: string;
    to?: string;
    rederive: boolean;
    followups: boolean;
    /** Re-derive even calls some of whose payloads were purged (their events are skipped). */
    force: boolean;
  };
  /** Recover missed end-of-call reports from VAPI's REST API; no ids means the stale calls. */
  [JobName.ReconcileCalls]: { callIds?: string[] };
}

export type JobOf<N extends JobName> = JobPayloads[N];

/**
 * The call-events job of an accepted webhook: `payload` already redacted, id from its dedup key
 * scoped to the tenant, so the same VAPI event sent to two tenants is two jobs and two events.
 */
export function callEventJob(
  payload: unknown,
  dedupKey: string,
  receivedAt: Date,
  tenantId: string = DEFAULT_TENANT_ID,
): { name: JobName.ApplyCallEvent; data: JobOf<JobName.ApplyCallEvent>; opts: { jobId: string } } {
  const key = tenantKey(tenantId, dedupKey);
  return {
    name: JobName.ApplyCallEvent,
    data: { payload, dedupKey: key, receivedAt: receivedAt.toISOString() },
    opts: { jobId: jobIds.callEvent(key) },
  };
}

/** BullMQ custom ids may not contain ':' nor be integers. */
export const jobIds = {
  callEvent: (dedupKey: string) => `evt-${dedupKey}`,
  transcript: (callId: string, trigger: string) => `tr-${callId}-${trigger}`.replace(/:/g, '_'),
  recording: (callId: string, kind: string) => `rec-${callId}-${kind}`.replace(/:/g, '_'),
  /** One part (a call id, or `range`) of a replay request; a fresh `requestId` per request. */
  replay: (requestId: string, scope: string) => `replay-${requestId}-${scope}`.replace(/:/g, '_'),
};

/**
 * Ids of the repeatable maintenance jobs (BullMQ job schedulers). PERSISTENT: a renamed
 * scheduler keeps running under its old id until removed by hand.
 */
export const JobSchedulerId = {
  PurgePayloads: 'purge-payloads',
  ReconcileCalls: 'reconcile-calls',
} as const;
