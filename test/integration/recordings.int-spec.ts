import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { CallChangesRepository, CallsRepository, RecordingsRepository } from '@app/database';
import { RecordingsService } from '../../apps/worker/src/recordings/recordings.service';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

jest.setTimeout(30_000);

const AUDIO = Buffer.from('RIFF....WAVEfmt '.repeat(4096));

describe(RecordingsService.name, () => {
  let db: TestDatabase;
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let service: RecordingsService;
  let recordings: RecordingsRepository;
  const requests = new Map<string, number>();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-recordings-'));
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      const count = (requests.get(path) ?? 0) + 1;
      requests.set(path, count);
      // /flaky fails its first two requests; /broken always fails; /gone never existed.
      if (path.startsWith('/broken') || (path.startsWith('/flaky') && count <= 2)) {
        res.writeHead(503).end('try later');
        return;
      }
      if (path.startsWith('/gone')) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(AUDIO);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    db = await createTestDatabase(testConfig({ RECORDINGS_DIR: dir }));
    recordings = new RecordingsRepository(db.dataSource);
    service = new RecordingsService(
      db.dataSource,
      recordings,
      new CallChangesRepository(db.dataSource),
      db.config,
    );
    const calls = new CallsRepository(db.dataSource);
    await db.dataSource.transaction(async (m) => {
      for (const id of ['call-flaky', 'call-broken', 'call-ok', 'call-gone']) {
        await calls.insertIfMissing(m, id);
      }
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries across attempts and ends stored with the right size and hash', async () => {
    const url = `${baseUrl}/flaky/rec-mono.wav`;
    await expect(service.attach('call-flaky', 'mono', url, { final: false })).rejects.toThrow();
    let row = await recordings.findByCallAndKind('call-flaky', 'mono');
    expect(row).toMatchObject({ state: 'pending', attempts: 1, storagePath: null });
    expect(row?.lastError).toEqual(expect.any(String));

    await expect(service.attach('call-flaky', 'mono', url, { final: false })).rejects.toThrow();
    expect(await service.attach('call-flaky', 'mono', url, { final: true })).toBe('stored');

    row = await recordings.findByCallAndKind('call-flaky', 'mono');
    expect(row).toMatchObject({
      state: 'stored',
      attempts: 3,
      byteSize: String(AUDIO.length),
      contentType: expect.stringContaining('audio/wav'),
      sha256: createHash('sha256').update(AUDIO).digest('hex'),
      lastError: null,
    });
    expect(row?.downloadedAt).toBeInstanceOf(Date);
    expect(row?.storagePath).toBe(join(dir, 'call-flaky-mono.wav'));
    expect(readFileSync(row!.storagePath!)).toEqual(AUDIO);
    // One `recording` change, written with the stored row (not for the failed attempts).
    const changes = await new CallChangesRepository(db.dataSource).listAfter('0', 10, {
      callId: 'call-flaky',
    });
    expect(changes.map((c) => [c.kind, c.data])).toEqual([
      [
        'recording',
        {
          kind: 'mono',
          contentType: 'audio/wav',
          byteSize: AUDIO.length,
          sha256: createHash('sha256').update(AUDIO).digest('hex'),
        },
      ],
    ]);
  });

  it('does nothing for a recording already stored', async () => {
    const url = `${baseUrl}/ok/a.mp3`;
    expect(await service.attach('call-ok', 'stereo', url, { final: false })).toBe('stored');
    const before = requests.get('/ok/a.mp3');
    expect(await service.attach('call-ok', 'stereo', url, { final: false })).toBe('already-stored');
    expect(requests.get('/ok/a.mp3')).toBe(before);
    const row = await recordings.findByCallAndKind('call-ok', 'stereo');
    expect(row).toMatchObject({ state: 'stored', attempts: 1 });
    expect(row?.storagePath).toMatch(/call-ok-stereo\.mp3$/);
  });

  it('downloads the URL registered first for a kind, not the one the job carries', async () => {
    await db.dataSource.transaction((m) =>
      recordings.registerForCalls(m, [
        { callId: 'call-ok', kind: 'mono', url: `${baseUrl}/ok/first.wav` },
      ]),
    );
    expect(
      await service.attach('call-ok', 'mono', `${baseUrl}/ok/second.wav`, { final: false }),
    ).toBe('stored');
    expect(requests.get('/ok/first.wav')).toBe(1);
    expect(requests.has('/ok/second.wav')).toBe(false);
    const row = await recordings.findByCallAndKind('call-ok', 'mono');
    expect(row).toMatchObject({
      state: 'stored',
      attempts: 1,
      sourceUrl: `${baseUrl}/ok/first.wav`,
    });
  });

  it('ends failed after the final attempt and leaves no file behind', async () => {
    const url = `${baseUrl}/broken/rec-customer.wav`;
    await expect(
      service.attach('call-broken', 'customer', url, { final: false }),
    ).rejects.toThrow();
    await expect(service.attach('call-broken', 'customer', url, { final: true })).rejects.toThrow();
    const row = await recordings.findByCallAndKind('call-broken', 'customer');
    expect(row).toMatchObject({ state: 'failed', attempts: 2, storagePath: null, sha256: null });
    expect(row?.lastError).toEqual(expect.any(String));
    expect(readdirSync(dir).filter((f) => f.includes('call-broken'))).toEqual([]);
  });

  it('gives up at once on an error no retry can fix', async () => {
    const url = `${baseUrl}/gone/rec.wav`;
    await expect(service.attach('call-gone', 'mono', url, { final: false })).rejects.toThrow(/404/);
    const row = await recordings.findByCallAndKind('call-gone', 'mono');
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
  });
});
