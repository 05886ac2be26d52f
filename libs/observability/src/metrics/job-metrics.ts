import type { Job, Worker } from 'bullmq';
import { Counter, Histogram, Registry } from 'prom-client';
import { QueueName } from '@app/queue';
import { jobLabel, queueLabel } from './labels';

/** Outcome of one attempt at storing a recording. */
export type RecordingDownloadResult = 'stored' | 'already_stored' | 'failed';

/** Worker metrics: job run time and failures per queue and job name, recording downloads. */
export class JobMetrics {
  private readonly duration: Histogram<'queue' | 'name'>;
  private readonly failures: Counter<'queue' | 'name'>;
  private readonly recordingDownloads: Counter<'result'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'vapi_job_duration_seconds',
      help: 'Run time of each job attempt (completed or failed), by queue and job name',
      labelNames: ['queue', 'name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'vapi_job_failures_total',
      help: 'Failed job attempts (including those that will be retried), by queue and job name',
      labelNames: ['queue', 'name'],
      registers: [registry],
    });
    this.recordingDownloads = new Counter({
      name: 'vapi_recording_downloads_total',
      help: 'Recording download attempts by result (stored, already_stored, failed)',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  /** One finished attempt of a job. */
  observeJob(queue: string, name: string | undefined, seconds: number): void {
    this.duration.observe({ queue: queueLabel(queue), name: jobLabel(name) }, seconds);
  }

  /** One failed attempt of a job. */
  countFailure(queue: string, name: string | undefined): void {
    this.failures.inc({ queue: queueLabel(queue), name: jobLabel(name) });
  }

  /** One recording download attempt. */
  countRecordingDownload(result: RecordingDownloadResult): void {
    this.recordingDownloads.inc({ result });
  }

  /**
   * Observes every job a BullMQ worker finishes, through its events, so processors need no
   * metrics code. Recording jobs also count downloads from their return value ('stored' or
   * 'already-stored') or their failure. Returns a function that detaches the listeners.
   */
  observeWorker(worker: Pick<Worker, 'name' | 'on' | 'off'>): () => void {
    const recordings = worker.name === String(QueueName.Recordings);
    const onCompleted = (job: Job, result: unknown): void => {
      this.observeAttempt(worker.name, job);
      if (recordings) {
        this.countRecordingDownload(result === 'already-stored' ? 'already_stored' : 'stored');
      }
    };
    const onFailed = (job: Job | undefined): void => {
      // Without a job (e.g. a lock renewal error) there is no attempt to measure.
      if (job === undefined) return;
      this.observeAttempt(worker.name, job);
      this.countFailure(worker.name, job.name);
      if (recordings) this.countRecordingDownload('failed');
    };
    worker.on('completed', onCompleted);
    worker.on('failed', onFailed);
    return () => {
      worker.off('completed', onCompleted);
      worker.off('failed', onFailed);
    };
  }

  private observeAttempt(queue: string, job: Job): void {
    if (job.processedOn === undefined) return;
    const end = job.finishedOn ?? Date.now();
    this.observeJob(queue, job.name, Math.max(0, end - job.processedOn) / 1000);
  }
}
