import type { CallEvent } from '@app/vapi';

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
}

/** Payload of each job, keyed by job name. */
export interface JobPayloads {
  [JobName.ApplyCallEvent]: {
    event: CallEvent;
    /** The body as received, with credentials redacted; stored in the event log. */
    payload: unknown;
    /** When the api accepted the request (ISO 8601). */
    receivedAt: string;
  };
  [JobName.ProcessTranscript]: { callId: string };
  [JobName.AttachRecording]: { callId: string; kind: string; url: string };
  [JobName.PurgePayloads]: Record<string, never>;
}

export type JobOf<N extends JobName> = JobPayloads[N];

/** BullMQ custom ids may not contain ':' nor be integers. */
export const jobIds = {
  callEvent: (dedupKey: string) => `evt-${dedupKey}`,
  transcript: (callId: string, trigger: string) => `tr-${callId}-${trigger}`.replace(/:/g, '_'),
  recording: (callId: string, kind: string) => `rec-${callId}-${kind}`.replace(/:/g, '_'),
};
