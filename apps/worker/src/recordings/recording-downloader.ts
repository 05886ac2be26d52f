import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** A recording stored on disk at `path` (absolute), with its size, media type and sha256 (hex). */
export interface DownloadedRecording {
  path: string;
  byteSize: number;
  contentType: string | null;
  sha256: string;
}

/** A failed download; `retryable` says whether another attempt may succeed. */
export class RecordingDownloadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = RecordingDownloadError.name;
  }
}

/** 2 GiB: far above any call recording, low enough that a runaway response cannot fill the disk. */
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * Streams `url` into `<dir>/<fileName>` and returns what was stored. The body is hashed and
 * counted on its way into a hidden temporary file in the same directory, which is renamed over
 * the final path only once complete, so that path never holds a partial file; any failure removes
 * the temporary file and throws a {@link RecordingDownloadError}. `timeoutMs` bounds the whole
 * download (headers and body), not just idle time.
 */
export async function downloadRecording(opts: {
  url: string;
  dir: string;
  fileName: string;
  timeoutMs: number;
  maxBytes?: number;
  fetchImpl?: typeof fetch;
}): Promise<DownloadedRecording> {
  const { url, fileName, timeoutMs } = opts;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const where = redactUrl(url);
  assertSafeFileName(fileName);
  if (where === null)
    throw new RecordingDownloadError('recording URL is not a valid http(s) URL', false);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must not be negative, got ${maxBytes}`);

  const dir = resolve(opts.dir);
  const finalPath = join(dir, fileName);
  const tempPath = join(dir, `.${fileName}.${randomBytes(8).toString('hex')}.part`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new RecordingDownloadError(`cannot create ${dir}: ${reason(error, url)}`, true);
  }

  const signal = AbortSignal.timeout(timeoutMs);
  const failure = (error: unknown): RecordingDownloadError =>
    error instanceof RecordingDownloadError
      ? error
      : new RecordingDownloadError(
          signal.aborted
            ? `GET ${where} timed out after ${timeoutMs} ms`
            : `GET ${where} failed: ${reason(error, url)}`,
          true,
        );

  let response: Response;
  try {
    response = await (opts.fetchImpl ?? fetch)(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw failure(error);
  }
  if (!response.ok) {
    await discard(response);
    const { status } = response;
    throw new RecordingDownloadError(
      `GET ${where} answered HTTP ${status}`,
      status >= 500 || status === 408 || status === 429,
    );
  }
  // fetch decodes Content-Encoding, after which Content-Length no longer counts the bytes we see.
  const declared = response.headers.has('content-encoding')
    ? null
    : parseLength(response.headers.get('content-length'));
  if (declared !== null && declared > maxBytes) {
    await discard(response);
    throw tooLarge(where, maxBytes, declared);
  }

  const hash = createHash('sha256');
  let byteSize = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      byteSize += chunk.length;
      if (byteSize > maxBytes) return callback(tooLarge(where, maxBytes));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const body = response.body
    ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
    : Readable.from([]);

  try {
    // Opened here rather than by createWriteStream so the file exists before anything can fail:
    // the cleanup below can then never race a lazy open that recreates the file after `rm`.
    const file = await open(tempPath, 'wx');
    try {
      // `flush` fsyncs before the stream closes the handle, or a crash after the rename could
      // leave the final name on an empty file. The signal again: a `fetchImpl` that ignores it
      // for the body must still not outlive `timeoutMs`.
      await pipeline(body, meter, file.createWriteStream({ flush: true }), { signal });
    } finally {
      await file.close();
    }
    if (declared !== null && byteSize !== declared) {
      throw new RecordingDownloadError(
        `GET ${where} ended after ${byteSize} of ${declared} bytes`,
        true,
      );
    }
    await rename(tempPath, finalPath);
  } catch (error) {
    body.destroy();
    await rm(tempPath, { force: true });
    throw failure(error);
  }

  return {
    path: finalPath,
    byteSize,
    contentType: mediaType(response),
    sha256: hash.digest('hex'),
  };
}

/** A bare name inside `dir`: no separators, no `.`/`..`, nothing the filesystem would choke on. */
function assertSafeFileName(fileName: string): void {
  const ok =
    fileName.length > 0 &&
    fileName.length <= 200 &&
    fileName !== '.' &&
    fileName !== '..' &&
    !/[/\\\0]/.test(fileName) &&
    basename(fileName) === fileName;
  if (!ok) {
    throw new RecordingDownloadError(
      `unsafe recording file name ${JSON.stringify(fileName)}`,
      false,
    );
  }
}

/** Origin and path only: presigned URLs carry credentials in the query string (and userinfo). */
function redactUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return `${parsed.origin}${parsed.pathname}`;
}

/** An error's message (and its cause's, where undici hides the useful part), URL scrubbed. */
function reason(error: unknown, url: string): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 3; depth++) {
    // Not `instanceof Error`: undici's errors come from another realm under jest (and vm).
    if (isErrorLike(e)) {
      const code = typeof e.code === 'string' ? e.code : '';
      parts.push(code && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : 'unknown error');
      break;
    }
  }
  // Belt and braces: no message we know of quotes the URL, but one that did must not leak it.
  const secret = url.includes('?') ? url.slice(url.indexOf('?')) : null;
  const text = parts.join(': ').replaceAll(url, redactUrl(url) ?? '(url)');
  return secret === null ? text : text.replaceAll(secret, '');
}

function isErrorLike(e: unknown): e is { message: string; code?: unknown; cause?: unknown } {
  return (
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
  );
}

function tooLarge(where: string, maxBytes: number, declared?: number): RecordingDownloadError {
  const size = declared === undefined ? 'more than' : `${declared} bytes, over`;
  return new RecordingDownloadError(`GET ${where} is ${size} the ${maxBytes} byte limit`, false);
}

function parseLength(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

/** `audio/wav; codec=pcm` → `audio/wav`; null when absent or empty. */
function mediaType(response: Response): string | null {
  const type = response.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
  return type ? type : null;
}

/** Releases the connection of a response whose body we will not read. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
