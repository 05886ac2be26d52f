import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { extname } from 'node:path';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  CallChangesRepository,
  Recording,
  recordingDir,
  RecordingsRepository,
} from '@app/database';
import { RecordingDownloadError, downloadRecording } from './recording-downloader';

/** The downloader's contract: stream to a temp file, rename atomically, throw leaving no file. */
export type DownloadRecording = (opts: {
  url: string;
  dir: string;
  fileName: string;
  timeoutMs: number;
}) => Promise<{ path: string; byteSize: number; contentType: string | null; sha256: string }>;

/** DI token to replace the downloader (tests); defaults to `downloadRecording`. */
export const RECORDING_DOWNLOADER = Symbol('RECORDING_DOWNLOADER');

/** What `attach` did. */
export type AttachResult = 'stored' | 'already-stored';

/** Extensions taken from a recording URL; anything else is saved as `.wav` (VAPI's format). */
const KNOWN_EXTENSION = /^\.[a-z0-9]{1,5}$/i;

/** Downloads call recordings into `RECORDINGS_DIR` and tracks each one's state. */
@Injectable()
export class RecordingsService {
  private readonly logger = new Logger(RecordingsService.name);
  private readonly download: DownloadRecording;

  constructor(
    private readonly dataSource: DataSource,
    private readonly recordings: RecordingsRepository,
    private readonly changes: CallChangesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(RECORDING_DOWNLOADER) download?: DownloadRecording,
  ) {
    this.download = download ?? downloadRecording;
  }

  /**
   * Downloads one recording unless it is already stored. Each attempt is counted; a failure is
   * recorded in `last_error` and rethrown so the queue retries. After the final attempt, or an
   * error no retry can fix (see `isRetryable`), the recording is marked `failed`. The URL on the
   * row wins over `url` (the first one registered for the kind).
   */
  async attach(
    callId: string,
    kind: string,
    url: string,
    attempt: { final: boolean },
  ): Promise<AttachResult> {
    const recording = await this.recordings.claimDownload(callId, kind, url);
    if (recording === null) return 'already-stored';

    try {
      const file = await this.download({
        url: recording.sourceUrl,
        dir: recordingDir(this.config.recordings.dir, recording.callId),
        fileName: recordingFileName(recording),
        timeoutMs: this.config.recordings.downloadTimeoutMs,
      });
      // The feed's `recording` change commits with the row: live viewers can load the file.
      await this.dataSource.transaction(async (m) => {
        await this.recordings.markStored(recording.id, file, m);
        await this.changes.append(m, [
          {
            callId,
            kind: 'recording',
            data: {
              kind: recording.kind,
              contentType: file.contentType,
              byteSize: file.byteSize,
              sha256: file.sha256,
            },
          },
        ]);
      });
      return 'stored';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = attempt.final || !isRetryable(error);
      await this.recordings.markAttemptFailed(recording.id, message, final);
      if (final) this.logger.error(`recording ${callId}/${kind} failed for good: ${message}`);
      throw error;
    }
  }
}

/** False for download errors another attempt cannot fix (HTTP 4xx, too large, bad name). */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof RecordingDownloadError) || error.retryable;
}

/** `<callId>-<kind><ext>`, safe as a file name whatever the ids contain. */
export function recordingFileName(
  recording: Pick<Recording, 'callId' | 'kind' | 'sourceUrl'>,
): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe(recording.callId)}-${safe(recording.kind)}${extensionOf(recording.sourceUrl)}`;
}

function extensionOf(url: string): string {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return '.wav';
  }
  const ext = extname(pathname);
  return KNOWN_EXTENSION.test(ext) ? ext.toLowerCase() : '.wav';
}
