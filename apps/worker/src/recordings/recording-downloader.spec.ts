import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingDownloadError, downloadRecording } from './recording-downloader';

const AUDIO = randomBytes(1024 * 1024);

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok.wav': (_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav; codec=pcm' });
    // Chunked writes: the downloader must hash and count a real stream.
    for (let i = 0; i < AUDIO.length; i += 64 * 1024) res.write(AUDIO.subarray(i, i + 64 * 1024));
    res.end();
  },
  '/500.wav': (_req, res) => res.writeHead(500).end('oops'),
  '/404.wav': (_req, res) => res.writeHead(404).end('gone'),
  '/half.wav': (_req, res) => {
    res.writeHead(200, { 'content-length': String(AUDIO.length) });
    res.write(AUDIO.subarray(0, AUDIO.length / 2), () => res.destroy());
  },
  '/slow.wav': (_req, res) => {
    res.writeHead(200);
    res.write(AUDIO.subarray(0, 1024));
    setTimeout(() => res.end(), 2000).unref();
  },
};

describe(downloadRecording.name, () => {
  let server: Server;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) =>
      (routes[req.url?.split('?')[0] ?? ''] ?? routes['/404.wav'])(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recordings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const download = (path: string, extra: { timeoutMs?: number; maxBytes?: number } = {}) =>
    downloadRecording({
      url: `${base}${path}`,
      dir,
      fileName: 'call-mono.wav',
      timeoutMs: 5000,
      ...extra,
    });

  const rejection = async (promise: Promise<unknown>): Promise<RecordingDownloadError> => {
    const error = await promise.then(
      () => {
        throw new Error('expected the download to fail');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecordingDownloadError);
    return error as RecordingDownloadError;
  };

  it('stores the exact bytes with their size, sha256 and content type', async () => {
    const result = await download('/ok.wav?X-Amz-Signature=secret');
    expect(result).toEqual({
      path: join(dir, 'call-mono.wav'),
      byteSize: AUDIO.length,
      contentType: 'audio/wav',
      sha256: createHash('sha256').update(AUDIO).digest('hex'),
    });
    expect(readFileSync(result.path).equals(AUDIO)).toBe(true);
    expect(readdirSync(dir)).toEqual(['call-mono.wav']);
  });

  it('replaces an earlier copy atomically', async () => {
    await download('/ok.wav');
    await download('/ok.wav');
    expect(readdirSync(dir)).toEqual(['call-mono.wav']);
  });

  it('reports a 5xx as retryable without the query string, leaving no file', async () => {
    const error = await rejection(download('/500.wav?X-Amz-Signature=secret'));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/HTTP 500/);
    expect(error.message).not.toContain('secret');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a 404 as not retryable', async () => {
    const error = await rejection(download('/404.wav'));
    expect(error.retryable).toBe(false);
  });

  it('leaves no file when the connection drops half way', async () => {
    const error = await rejection(download('/half.wav'));
    expect(error.retryable).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives up after the timeout, leaving no file', async () => {
    const error = await rejection(download('/slow.wav', { timeoutMs: 300 }));
    expect(error.message).toMatch(/timed out/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a recording over the size limit, leaving no file', async () => {
    const error = await rejection(download('/ok.wav', { maxBytes: 100_000 }));
    expect(error.retryable).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects file names that would leave the directory', async () => {
    await rejection(
      downloadRecording({ url: `${base}/ok.wav`, dir, fileName: '../x.wav', timeoutMs: 1000 }),
    );
    await rejection(
      downloadRecording({ url: `${base}/ok.wav`, dir, fileName: '..', timeoutMs: 1000 }),
    );
  });
});
