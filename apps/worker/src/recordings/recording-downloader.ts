import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** A recording stored on disk. */
export interface DownloadedRecording {
  path: string;
  byteSize: number;
  contentType: string | null;
  sha256: string;
}

/** A failed download; `retryable` tells whether another attempt may succeed. */
export class RecordingDownloadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = RecordingDownloadError.name;
  }
}

const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/** Presigned URLs carry signatures in the query string: never put one in an error message. */
const safeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
};

/**
 * Streams a recording to `<dir>/<fileName>`: hashed and counted on the way, written to a
 * temporary file and renamed into place only when complete, so the final path never holds a
 * partial file. Any failure removes the temporary file.
 */
export async function downloadRecording(opts: {
  url: string;
  dir: string;
  fileName: string;
  timeoutMs: number;
  maxBytes?: number;
  fetchImpl?: typeof fetch;
}): Promise<DownloadedRecording> {
  const { url, dir, fileName, timeoutMs } = opts;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!fileName || fileName !== basename(fileName) || fileName === '..' || fileName === '.') {
    throw new RecordingDownloadError(`invalid recording file name: ${fileName}`, false);
  }
  await mkdir(dir, { recursive: true });
  const finalPath = resolve(join(dir, fileName));
  const tempPath = resolve(join(dir, `.${fileName}.${randomBytes(6).toString('hex')}.part`));

  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (opts.fetchImpl ?? fetch)(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new RecordingDownloadError(
      `GET ${safeUrl(url)} failed: ${describe(error, signal)}`,
      true,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    const retryable = status >= 500 || status === 408 || status === 429;
    throw new RecordingDownloadError(`GET ${safeUrl(url)} answered HTTP ${status}`, retryable);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw new RecordingDownloadError(
      `recording is ${declared} bytes, over the ${maxBytes} limit`,
      false,
    );
  }

  const hash = createHash('sha256');
  let byteSize = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      byteSize += chunk.length;
      if (byteSize > maxBytes) {
        callback(new RecordingDownloadError(`recording exceeds the ${maxBytes} byte limit`, false));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      meter,
      createWriteStream(tempPath, { flags: 'wx' }),
    );
    await rename(tempPath, finalPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    if (error instanceof RecordingDownloadError) throw error;
    throw new RecordingDownloadError(
      `download of ${safeUrl(url)} broke off: ${describe(error, signal)}`,
      true,
    );
  }
  const contentType = response.headers.get('content-type')?.split(';')[0].trim() || null;
  return { path: finalPath, byteSize, contentType, sha256: hash.digest('hex') };
}

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  return error instanceof Error ? error.message : String(error);
}
