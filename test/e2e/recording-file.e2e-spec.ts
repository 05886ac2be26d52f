import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

jest.setTimeout(60_000);

const TOKEN = 'recording-file-operator-token-51ab';
const AUDIO = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
const SHA = createHash('sha256').update(AUDIO).digest('hex');

/** `GET /api/calls/:id/recording`: the stored file with ranges, validators and clear 404s. */
describe('recording file endpoint', () => {
  let h: OpsApi;
  let dir: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-recording-file-'));
    // The worker may have stored it under another mount point: only the file name counts.
    writeFileSync(join(dir, 'call-stored-mono.wav'), AUDIO);
    writeFileSync(join(dir, 'call-stored-stereo.wav'), Buffer.from('stereo'));
    h = await startOpsApi({ API_TOKENS: TOKEN, RECORDINGS_DIR: dir });
    const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
    for (const id of ['call-stored', 'call-pending', 'call-failed', 'call-none', 'call-lost']) {
      await q(`INSERT INTO calls (id, status) VALUES ($1, 'ended')`, [id]);
    }
    const insert = `INSERT INTO recordings (call_id, kind, source_url, state, attempts, storage_path, byte_size, content_type, sha256, last_error)
                    VALUES ($1, $2, 'https://storage.example/x.wav', $3, $4, $5, $6, $7, $8, $9)`;
    await q(insert, [
      'call-stored',
      'mono',
      'stored',
      1,
      '/elsewhere/call-stored-mono.wav',
      AUDIO.length,
      'audio/wav',
      SHA,
      null,
    ]);
    await q(insert, [
      'call-stored',
      'stereo',
      'stored',
      1,
      '/elsewhere/call-stored-stereo.wav',
      6,
      'audio/x-wav',
      createHash('sha256').update('stereo').digest('hex'),
      null,
    ]);
    await q(insert, ['call-pending', 'mono', 'downloading', 2, null, null, null, null, 'HTTP 503']);
    await q(insert, [
      'call-failed',
      'mono',
      'failed',
      5,
      null,
      null,
      null,
      null,
      'GET https://storage.example/x.wav answered HTTP 404',
    ]);
    await q(insert, [
      'call-lost',
      'mono',
      'stored',
      1,
      '/elsewhere/call-lost-mono.wav',
      10,
      'audio/wav',
      SHA,
      null,
    ]);
  });

  afterAll(async () => {
    await stopOpsApi(h);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the whole file with its type, length and sha256 ETag', async () => {
    const res = await get('/api/calls/call-stored/recording');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['content-length']).toBe(String(AUDIO.length));
    expect(res.headers.etag).toBe(`"${SHA}"`);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.rawPayload.equals(AUDIO)).toBe(true);

    const stereo = await get('/api/calls/call-stored/recording?kind=stereo');
    expect(stereo.statusCode).toBe(200);
    expect(stereo.body).toBe('stereo');
    expect(stereo.headers['content-type']).toBe('audio/x-wav');
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=9990-', 9990, 9999],
    ['bytes=-16', 9984, 9999],
    ['bytes=5000-20000', 5000, 9999],
  ])('answers Range %s with 206 and exactly those bytes', async (range, start, end) => {
    const res = await get('/api/calls/call-stored/recording', { range });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${AUDIO.length}`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.rawPayload.equals(AUDIO.subarray(start, end + 1))).toBe(true);
  });

  it('answers a range past the end with 416 and the size', async () => {
    const res = await get('/api/calls/call-stored/recording', { range: 'bytes=10000-' });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${AUDIO.length}`);
  });

  it('answers 304 to a matching If-None-Match, the file otherwise', async () => {
    const hit = await get('/api/calls/call-stored/recording', { 'if-none-match': `"${SHA}"` });
    expect(hit.statusCode).toBe(304);
    expect(hit.rawPayload.length).toBe(0);
    expect(hit.headers.etag).toBe(`"${SHA}"`);
    const miss = await get('/api/calls/call-stored/recording', {
      'if-none-match': '"something-else"',
    });
    expect(miss.statusCode).toBe(200);
    // If-Range with a stale validator: the whole (new) file, not a piece of it.
    const stale = await get('/api/calls/call-stored/recording', {
      range: 'bytes=0-9',
      'if-range': '"old"',
    });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.length).toBe(AUDIO.length);
  });

  it.each([
    ['no-such-call', 'no-call'],
    ['call-none', 'no-recording'],
    ['call-pending', 'not-fetched-yet'],
    ['call-failed', 'fetch-failed'],
    ['call-lost', 'file-missing'],
  ])('answers 404 for %s with reason %s', async (id, reason) => {
    const res = await get(`/api/calls/${id}/recording`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      statusCode: 404,
      reason,
      message: expect.stringContaining(id),
    });
  });

  it('says which kind is missing when one is asked for', async () => {
    const res = await get('/api/calls/call-stored/recording?kind=video');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      reason: 'no-recording',
      message: expect.stringContaining('video'),
    });
    expect((await get('/api/calls/call-stored/recording?kind=bogus')).statusCode).toBe(400);
  });

  it('needs a read token or a stream ticket', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/api/calls/call-stored/recording' });
    expect(none.statusCode).toBe(401);
    expect(none.rawPayload.includes(AUDIO.subarray(0, 64))).toBe(false);
    const ticket = await h.app.inject({
      method: 'POST',
      url: '/api/stream/tickets',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const cookie = String(ticket.headers['set-cookie']).split(';')[0];
    const viaCookie = await h.app.inject({
      method: 'GET',
      url: '/api/calls/call-stored/recording',
      headers: { cookie, range: 'bytes=0-9' },
    });
    expect(viaCookie.statusCode).toBe(206);
    expect(viaCookie.rawPayload.equals(AUDIO.subarray(0, 10))).toBe(true);
  });
});
