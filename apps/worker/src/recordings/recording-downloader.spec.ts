import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordingDownloadError, downloadRecording } from './recording-downloader';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const AUDIO = randomBytes(1024 * 1024 + 123);
const CHUNK = 64 * 1024;
const SIGNED = '?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIAEXAMPLE';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `bytes` in chunks, yielding between them so the client sees a real stream. */
async function writeChunked(res: ServerResponse, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length && !res.destroyed; i += CHUNK) {
    res.write(bytes.subarray(i, i + CHUNK));
    await sleep(1);
  }
}

describe(downloadRecording.name, () => {
  let server: Server;
  let base: string;
  let handle: Handler;
  let root: string;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => handle(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'recording-downloader-'));
    dir = join(root, 'recordings');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const serve = (handler: Handler): void => {
    handle = handler;
  };
  const serveAudio = (bytes: Buffer, headers: Record<string, string> = {}): void =>
    serve((_req, res) => {
      res.writeHead(200, headers);
      void writeChunked(res, bytes).then(() => res.end());
    });
  const download = (path: string, extra: { timeoutMs?: number; maxBytes?: number } = {}) =>
    downloadRecording({
      url: `${base}${path}`,
      dir,
      fileName: 'call-1-mono.wav',
      timeoutMs: 5000,
      ...extra,
    });
  const failure = async (promise: Promise<unknown>): Promise<RecordingDownloadError> => {
    const outcome = await promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (!('error' in outcome)) throw new Error('expected the download to fail');
    expect(outcome.error).toBeInstanceOf(RecordingDownloadError);
    return outcome.error as RecordingDownloadError;
  };
  /** Every entry in the recordings dir, hidden temp files included. */
  const filesLeft = async (): Promise<string[]> => (existsSync(dir) ? readdir(dir) : []);

  it('stores the exact bytes with their size, sha256 and media type', async () => {
    serveAudio(AUDIO, { 'content-type': 'audio/wav; codec=pcm' });
    const result = await download(`/rec/call-1-mono.wav${SIGNED}`);
    expect(result).toEqual({
      path: join(dir, 'call-1-mono.wav'),
      byteSize: AUDIO.length,
      contentType: 'audio/wav',
      sha256: sha256(AUDIO),
    });
    expect((await readFile(result.path)).equals(AUDIO)).toBe(true);
    expect(await filesLeft()).toEqual(['call-1-mono.wav']);
  });

  it('checks the declared Content-Length and reports no content type when none is sent', async () => {
    serveAudio(AUDIO, { 'content-length': String(AUDIO.length) });
    const result = await download('/rec.wav');
    expect(result.contentType).toBeNull();
    expect(result.byteSize).toBe(AUDIO.length);
  });

  it('creates the directory and returns an absolute path for a relative one', async () => {
    serveAudio(Buffer.from('RIFF'), { 'content-type': 'audio/wav' });
    const result = await downloadRecording({
      url: `${base}/rec.wav`,
      dir: relative(process.cwd(), join(dir, 'a', 'b')),
      fileName: 'x.wav',
      timeoutMs: 5000,
    });
    expect(isAbsolute(result.path)).toBe(true);
    expect(result.path).toBe(join(dir, 'a', 'b', 'x.wav'));
    expect(await readFile(result.path, 'utf8')).toBe('RIFF');
  });

  it('follows redirects and uses the fetch it is given', async () => {
    serve((req, res) => {
      if (req.url === '/short') res.writeHead(302, { location: `/long${SIGNED}` }).end();
      else res.writeHead(200, { 'content-type': 'audio/mpeg' }).end('ID3');
    });
    const fetchImpl = jest.fn(fetch);
    const result = await downloadRecording({
      url: `${base}/short`,
      dir,
      fileName: 'x.mp3',
      timeoutMs: 5000,
      fetchImpl,
    });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ byteSize: 3, contentType: 'audio/mpeg' });
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [404, false],
    [403, false],
    [400, false],
  ])(
    'reports HTTP %i (retryable: %s) without the query string, leaving no file',
    async (status, retryable) => {
      serve((_req, res) => res.writeHead(status).end('no recording here'));
      const error = await failure(download(`/rec.wav${SIGNED}`));
      expect(error.retryable).toBe(retryable);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain(`${base}/rec.wav`);
      expect(error.message).not.toMatch(/s3cr3t|AKIAEXAMPLE|\?/);
      expect(await filesLeft()).toEqual([]);
    },
  );

  it('reports a refused connection as retryable, without the query string', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const error = await failure(
      downloadRecording({
        url: `http://127.0.0.1:${port}/rec.wav${SIGNED}`,
        dir,
        fileName: 'x.wav',
        timeoutMs: 5000,
      }),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toMatch(/s3cr3t|AKIAEXAMPLE/);
  });

  it.each([
    ['with a Content-Length', { 'content-length': String(AUDIO.length) }],
    ['chunked', {}],
  ])('leaves no file when the connection drops half way (%s)', async (_label, headers) => {
    serve((_req, res) => {
      res.writeHead(200, headers);
      void writeChunked(res, AUDIO.subarray(0, AUDIO.length / 2)).then(() => res.destroy());
    });
    const error = await failure(download('/rec.wav'));
    expect(error.retryable).toBe(true);
    expect(await filesLeft()).toEqual([]);
  });

  it('times out a server that never answers, leaving no file', async () => {
    serve(() => undefined);
    const error = await failure(download(`/rec.wav${SIGNED}`, { timeoutMs: 200 }));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect(error.message).not.toContain('s3cr3t');
    expect(await filesLeft()).toEqual([]);
  });

  it('times out the whole download even while bytes keep trickling in', async () => {
    serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const drip = setInterval(() => res.write(AUDIO.subarray(0, 1024)), 20);
      res.on('close', () => clearInterval(drip));
    });
    const started = Date.now();
    const error = await failure(download('/rec.wav', { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/timed out/);
    expect(await filesLeft()).toEqual([]);
  });

  it('refuses a declared size over maxBytes before reading the body', async () => {
    serveAudio(AUDIO, { 'content-length': String(AUDIO.length) });
    const error = await failure(download('/rec.wav', { maxBytes: 100_000 }));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`${AUDIO.length} bytes`);
    expect(await filesLeft()).toEqual([]);
  });

  it('stops a streamed body at maxBytes, leaving no file', async () => {
    serveAudio(AUDIO);
    const error = await failure(download('/rec.wav', { maxBytes: 100_000 }));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/100000 byte limit/);
    expect(await filesLeft()).toEqual([]);
  });

  it('accepts a body of exactly maxBytes', async () => {
    serveAudio(AUDIO);
    const result = await download('/rec.wav', { maxBytes: AUDIO.length });
    expect(result.byteSize).toBe(AUDIO.length);
  });

  it('replaces an earlier copy only once the new one is complete', async () => {
    const first = randomBytes(300_000);
    serveAudio(first);
    const { path } = await download('/rec.wav');

    const second = randomBytes(500_000);
    let finish: () => void = () => undefined;
    serve((_req, res) => {
      res.writeHead(200);
      void writeChunked(res, second.subarray(0, 250_000)).then(() => {
        finish = () => void writeChunked(res, second.subarray(250_000)).then(() => res.end());
      });
    });
    const replacing = download('/rec.wav');
    // Wait until the new copy is half written next to the old one.
    const isPart = (name: string): boolean => name.endsWith('.part');
    for (let i = 0; i < 200 && !(await filesLeft()).some(isPart); i++) await sleep(10);
    expect((await filesLeft()).filter(isPart)).toHaveLength(1);
    expect((await readFile(path)).equals(first)).toBe(true);

    finish();
    const result = await replacing;
    expect(result.sha256).toBe(sha256(second));
    expect((await readFile(path)).equals(second)).toBe(true);
    expect(await filesLeft()).toEqual(['call-1-mono.wav']);
  });

  it('keeps the earlier copy when a re-download fails', async () => {
    const first = randomBytes(10_000);
    serveAudio(first);
    const { path } = await download('/rec.wav');
    serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(AUDIO.length) });
      void writeChunked(res, AUDIO.subarray(0, CHUNK * 2)).then(() => res.destroy());
    });
    await failure(download('/rec.wav'));
    expect((await readFile(path)).equals(first)).toBe(true);
    expect(await filesLeft()).toEqual(['call-1-mono.wav']);
  });

  it.each(['../escape.wav', '..', '.', '', 'a/b.wav', 'a\\b.wav', '/tmp/escape.wav', 'nul\0.wav'])(
    'rejects the file name %j without fetching anything',
    async (fileName) => {
      const fetchImpl = jest.fn(fetch);
      const error = await failure(
        downloadRecording({ url: `${base}/rec.wav`, dir, fileName, timeoutMs: 5000, fetchImpl }),
      );
      expect(error.retryable).toBe(false);
      expect(fetchImpl).not.toHaveBeenCalled();
      expect(await filesLeft()).toEqual([]);
      expect(await readdir(dirname(dir))).toEqual([]);
    },
  );

  it('rejects a URL that is not http(s) as not retryable', async () => {
    const error = await failure(
      downloadRecording({ url: 'file:///etc/passwd', dir, fileName: 'x.wav', timeoutMs: 5000 }),
    );
    expect(error.retryable).toBe(false);
  });
});
