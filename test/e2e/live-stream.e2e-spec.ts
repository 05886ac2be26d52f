import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@app/config';
import { CallChangesRepository, type NewCallChange } from '@app/database';
import { createApiApp } from '../../apps/api/src/app.factory';
import { StreamTickets } from '../../apps/api/src/calls/stream-tickets';
import { ALL_TENANTS } from '../../apps/api/src/tenancy/read-scope';
import {
  type TenancyCommand,
  runTenancyCommand,
} from '../../apps/cli/src/tenancy/tenancy-commands';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';
import { sample } from '../helpers/metrics';
import { SseClient, type SseEvent } from '../helpers/sse';

jest.setTimeout(90_000);

const TOKEN = 'live-stream-operator-token-7d1c';
const SECRETS_KEY = 'ab'.repeat(32);
const CALLS = ['live-call-a', 'live-call-b', 'live-call-c'];

async function cli(config: AppConfig, argv: string[]): Promise<string[]> {
  const [command, ...args] = argv as [TenancyCommand, ...string[]];
  const out: string[] = [];
  const code = await runTenancyCommand(command, args, config, {
    print: (line) => out.push(line),
    readStdin: () => Promise.resolve(''),
  });
  if (code !== 0) throw new Error(`${argv.join(' ')} failed: ${out.join('\n')}`);
  return out;
}

const positions = (events: SseEvent[]): bigint[] => events.map((e) => BigInt(e.id!));
const payload = (e: SseEvent) =>
  JSON.parse(e.data) as { callId: string; kind: string; position: string; data: { n?: number } };

/**
 * Live streams end to end: changes committed to the feed by another process (as the worker
 * does) reach the SSE streams of two api processes on the same database, in order, resumable.
 */
describe('live streams (SSE) across two api processes', () => {
  let h: OpsApi;
  let second: NestFastifyApplication;
  let baseA: string;
  let baseB: string;
  let feed: CallChangesRepository;
  let acmeToken: string;
  const open: SseClient[] = [];
  let counter = 0;

  const auth = { authorization: `Bearer ${TOKEN}` };
  const stream = async (url: string, headers: Record<string, string> = auth) => {
    const c = await SseClient.open(url, headers);
    open.push(c);
    return c;
  };

  /** Commits changes in one transaction, as the worker does; returns them numbered. */
  const commit = async (callIds: string[], kind: NewCallChange['kind'] = 'status') => {
    const changes = callIds.map((callId) => ({ callId, kind, data: { n: ++counter } }));
    await h.db.dataSource.transaction((m) => feed.append(m, changes));
    return changes;
  };

  beforeAll(async () => {
    h = await startOpsApi({
      API_TOKENS: TOKEN,
      SECRETS_KEY,
      AUTH_CACHE_SECONDS: '0',
      STREAM_RESUME_LIMIT: '5',
      STREAM_HEARTBEAT_SECONDS: '1',
      STREAM_MAX_BUFFERED_BYTES: '65536',
    });
    await h.app.listen(0, '127.0.0.1');
    baseA = (await h.app.getUrl()).replace('[::1]', '127.0.0.1');
    second = await createApiApp(h.config);
    await second.listen(0, '127.0.0.1');
    baseB = (await second.getUrl()).replace('[::1]', '127.0.0.1');
    feed = new CallChangesRepository(h.db.dataSource);
    for (const id of CALLS) {
      await h.db.dataSource.query(
        `INSERT INTO calls (id, status, assistant_id) VALUES ($1, 'in-progress', $2)`,
        [id, id === 'live-call-c' ? 'assistant-c' : 'assistant-ab'],
      );
    }
    await cli(h.config, ['tenants', 'add', 'acme']);
    const out = await cli(h.config, ['tokens', 'create', '--tenant', 'acme']);
    acmeToken = out.find((l) => l.startsWith('token (shown once'))!.split(': ')[1];
    // Both processes follow the feed before the tests write to it.
    for (const base of [baseA, baseB]) {
      const probe = await waitForStream(`${base}/api/stream`);
      probe.close();
    }
  });

  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  afterAll(async () => {
    for (const c of open.splice(0)) c.close();
    await second?.close();
    await stopOpsApi(h);
  });

  /** The hub connects in the background: retry a stream until it is served. */
  async function waitForStream(url: string): Promise<SseClient> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const c = await SseClient.open(url, auth);
      if (c.status === 200) {
        await c.waitFor((x) => x.events.some((e) => e.event === 'ready'));
        return c;
      }
      c.close();
      if (Date.now() > deadline) throw new Error(`${url} answered ${c.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('delivers each call its changes in commit order, on both processes', async () => {
    const perCall = await stream(`${baseA}/api/calls/live-call-a/stream`);
    const all = await stream(`${baseB}/api/stream`);
    expect(perCall.status).toBe(200);
    expect(perCall.headers['content-type']).toMatch(/^text\/event-stream/);
    await perCall.waitFor((c) => c.events.length > 0);
    await all.waitFor((c) => c.events.length > 0);
    const [ready] = perCall.events;
    expect(ready.event).toBe('ready');

    const written: NewCallChange[] = [];
    for (let i = 0; i < 10; i++) {
      written.push(
        ...(await commit(i % 3 === 0 ? ['live-call-a'] : ['live-call-b', 'live-call-a'])),
      );
    }
    const ofA = written.filter((c) => c.callId === 'live-call-a').map((c) => c.data.n);
    await perCall.waitFor((c) => c.changes().length >= ofA.length);
    await all.waitFor((c) => c.changes().length >= written.length);

    expect(perCall.changes().map((e) => payload(e).data.n)).toEqual(ofA);
    expect(perCall.changes().every((e) => payload(e).callId === 'live-call-a')).toBe(true);
    expect(all.changes().map((e) => payload(e).data.n)).toEqual(written.map((c) => c.data.n));
    for (const c of [perCall, all]) {
      const ids = positions(c.changes());
      expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids[0] > BigInt(ready.id!)).toBe(true);
      expect(c.changes().every((e) => e.id === payload(e).position && e.event === 'status')).toBe(
        true,
      );
    }
  });

  it('narrows the all-calls stream by status and assistant', async () => {
    await h.db.dataSource.query(`UPDATE calls SET status = 'ended' WHERE id = 'live-call-c'`);
    const ended = await stream(`${baseA}/api/stream?status=ended`);
    const byAssistant = await stream(`${baseB}/api/stream?assistantId=assistant-ab`);
    await ended.waitFor((c) => c.events.length > 0);
    await byAssistant.waitFor((c) => c.events.length > 0);
    await commit(['live-call-a', 'live-call-c'], 'transcript');
    const last = await commit(['live-call-b'], 'transcript');
    await byAssistant.waitFor((c) => c.changes().some((e) => payload(e).data.n === last[0].data.n));
    await ended.waitFor((c) => c.changes().length >= 1);
    expect(ended.changes().map((e) => payload(e).callId)).toEqual(['live-call-c']);
    expect(byAssistant.changes().map((e) => payload(e).callId)).toEqual([
      'live-call-a',
      'live-call-b',
    ]);
    expect((await SseClient.open(`${baseA}/api/stream?status=bogus`, auth)).status).toBe(400);
  });

  it('resumes from Last-Event-ID with what was missed, then goes live', async () => {
    const first = await stream(`${baseA}/api/calls/live-call-b/stream`);
    await first.waitFor((c) => c.events.length > 0);
    const seen = await commit(['live-call-b']);
    await first.waitFor((c) => c.changes().length === 1);
    const lastId = first.changes()[0].id!;
    first.close();

    const missed = [
      ...(await commit(['live-call-b', 'live-call-a'])),
      ...(await commit(['live-call-b'])),
    ];
    const resumed = await stream(`${baseB}/api/calls/live-call-b/stream`, {
      ...auth,
      'last-event-id': lastId,
    });
    await resumed.waitFor((c) => c.events.some((e) => e.event === 'ready'));
    const later = await commit(['live-call-b']);
    await resumed.waitFor((c) => c.changes().length >= 3);

    const expected = [...missed, ...later]
      .filter((c) => c.callId === 'live-call-b')
      .map((c) => c.data.n);
    expect(resumed.changes().map((e) => payload(e).data.n)).toEqual(expected);
    expect(resumed.changes().map((e) => payload(e).data.n)).not.toContain(seen[0].data.n);
    // The replayed changes come before `ready`, the live one after.
    expect(resumed.events.map((e) => e.event)).toEqual(['status', 'status', 'ready', 'status']);

    // A new EventSource cannot set the header: the same through the query string.
    const viaQuery = await stream(`${baseA}/api/calls/live-call-b/stream?lastEventId=${lastId}`);
    await viaQuery.waitFor((c) => c.events.some((e) => e.event === 'ready'));
    expect(viaQuery.changes().map((e) => payload(e).data.n)).toEqual(expected);
  });

  it('sends a reset when the client missed more than the resume bound', async () => {
    const first = await stream(`${baseA}/api/stream`);
    await first.waitFor((c) => c.events.length > 0);
    const from = first.events[0].id!;
    first.close();
    // Process B dispatches the feed on its own clock: once this watcher has the changes, B's
    // position is the feed's end, which is what the reset below must carry.
    const watcher = await stream(`${baseB}/api/stream`);
    await watcher.waitFor((c) => c.events.length > 0);
    const missed = await commit([
      'live-call-a',
      'live-call-b',
      'live-call-a',
      'live-call-b',
      'live-call-a',
      'live-call-b',
    ]);
    await watcher.waitFor((c) => c.changes().length === missed.length);
    const latest = await feed.latestPosition();
    const resumed = await stream(`${baseB}/api/stream`, { ...auth, 'last-event-id': from });
    await resumed.waitFor((c) => c.events.some((e) => e.event === 'ready'));
    expect(resumed.events[0]).toMatchObject({ event: 'reset', id: latest });
    expect(resumed.changes()).toHaveLength(1);
    const next = await commit(['live-call-c']);
    await resumed.waitFor((c) => c.changes().length === 2);
    expect(payload(resumed.changes()[1]).data.n).toBe(next[0].data.n);

    const bogus = await stream(`${baseA}/api/stream`, { ...auth, 'last-event-id': '99999999999' });
    await bogus.waitFor((c) => c.events.length > 0);
    expect(bogus.events[0].event).toBe('reset');
  });

  it('sends heartbeat comments', async () => {
    const c = await stream(`${baseB}/api/calls/live-call-c/stream`);
    await c.waitFor((x) => x.comments.includes('heartbeat'), 10_000, 'a heartbeat');
  });

  it('refuses streams without a token, with a bad or expired ticket, and hides other tenants', async () => {
    const none = await SseClient.open(`${baseA}/api/calls/live-call-a/stream`);
    expect(none.status).toBe(401);
    const wrong = await SseClient.open(`${baseA}/api/stream`, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);

    // A tenant's token: another tenant's call does not exist for it; the all-calls stream is silent.
    const acme = { authorization: `Bearer ${acmeToken}` };
    const hidden = await SseClient.open(`${baseA}/api/calls/live-call-a/stream`, acme);
    expect(hidden.status).toBe(404);
    const unknown = await SseClient.open(`${baseA}/api/calls/no-such-call/stream`, auth);
    expect(unknown.status).toBe(404);
    const silent = await stream(`${baseA}/api/stream`, acme);
    const loud = await stream(`${baseA}/api/stream`);
    await silent.waitFor((c) => c.events.length > 0);
    await loud.waitFor((c) => c.events.length > 0);
    await commit(['live-call-a']);
    await loud.waitFor((c) => c.changes().length === 1);
    expect(silent.changes()).toEqual([]);
    // ...and sees its own tenant's changes, under VAPI's call id.
    await commit(['acme/live-call-a']);
    await silent.waitFor((c) => c.changes().length === 1);
    expect(JSON.parse(silent.changes()[0].data)).toMatchObject({
      callId: 'live-call-a',
      tenantId: 'acme',
    });
    await loud.waitFor((c) => c.changes().length === 2);

    const expired = new StreamTickets(
      Buffer.from(SECRETS_KEY, 'hex'),
      1000,
      () => Date.now() - 60_000,
    ).issue(ALL_TENANTS).ticket;
    const old = await SseClient.open(`${baseA}/api/stream`, {
      cookie: `vapi_stream_ticket=${expired}`,
    });
    expect(old.status).toBe(401);
    expect(old.text).toMatch(/expired/);
    const forged = await SseClient.open(`${baseA}/api/stream`, {
      cookie: 'vapi_stream_ticket=e30.AAAA',
    });
    expect(forged.status).toBe(401);
  });

  it('trades a token for an HTTP-only ticket cookie that opens streams on any process, and nothing else', async () => {
    const refused = await h.app.inject({ method: 'POST', url: '/api/stream/tickets' });
    expect(refused.statusCode).toBe(401);
    const res = await h.app.inject({ method: 'POST', url: '/api/stream/tickets', headers: auth });
    expect(res.statusCode).toBe(201);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^vapi_stream_ticket=[^;]+; Path=\/api; HttpOnly; SameSite=Strict; Max-Age=\d+/,
    );
    // The ticket only travels in the cookie: never in the body (scripts cannot read it).
    const ticket = /^vapi_stream_ticket=([^;]+)/.exec(setCookie)![1];
    expect(res.body).not.toContain(ticket);
    expect(res.body).not.toContain(TOKEN);
    const cookie = { cookie: `vapi_stream_ticket=${ticket}` };

    const viaB = await stream(`${baseB}/api/calls/live-call-a/stream`, cookie);
    expect(viaB.status).toBe(200);
    await viaB.waitFor((c) => c.events.length > 0);
    const written = await commit(['live-call-a']);
    await viaB.waitFor((c) => c.changes().length === 1);
    expect(payload(viaB.changes()[0]).data.n).toBe(written[0].data.n);

    // Single purpose: the JSON read API and ticket renewal still need the token.
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/calls', headers: cookie })).statusCode,
    ).toBe(401);
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/stream/tickets', headers: cookie }))
        .statusCode,
    ).toBe(401);
  });

  it('reads no feed rows while no stream is open, and follows the feed again once one is', async () => {
    const metrics = async () => (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const rowsRead = async () => sample(await metrics(), 'vapi_stream_feed_rows_read_total');
    const deadline = Date.now() + 20_000;
    const until = async (what: string, ok: (text: string) => boolean) => {
      while (!ok(await metrics())) {
        if (Date.now() > deadline) throw new Error(`process A never ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const atFeedEnd = async () => {
      const latest = await feed.latestPosition();
      await until(
        `reached position ${latest}`,
        (m) => sample(m, 'vapi_stream_feed_position') === Number(latest),
      );
      return latest;
    };
    // Streams of earlier tests leave process A once their sockets are gone, and their last
    // drain finishes.
    await until('closed its streams', (m) => sample(m, 'vapi_stream_subscribers') === 0);
    await atFeedEnd();
    const before = await rowsRead();
    expect(before).toEqual(expect.any(Number));

    for (let i = 0; i < 5; i++) await commit(['live-call-a', 'live-call-b']);
    // The idle hub still follows the feed's end, without reading it.
    const latest = await atFeedEnd();
    expect(await rowsRead()).toBe(before);
    const opened = await stream(`${baseA}/api/stream`);
    await opened.waitFor((c) => c.events.length > 0);
    expect(opened.events[0]).toMatchObject({ event: 'ready', id: latest });
    expect(await rowsRead()).toBe(before);

    const live = await commit(['live-call-c', 'live-call-a']);
    await opened.waitFor((c) => c.changes().length === live.length);
    expect(opened.changes().map((e) => payload(e).data.n)).toEqual(live.map((c) => c.data.n));
    expect(await rowsRead()).toBeGreaterThanOrEqual(before! + live.length);
  });

  it('drops a client that stops reading instead of buffering for it, and counts it', async () => {
    const slow = await stream(`${baseA}/api/stream`);
    await slow.waitFor((c) => c.events.length > 0);
    slow.pause();
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 60 && !slow.ended; i++) {
      await h.db.dataSource.transaction((m) =>
        feed.append(m, [{ callId: 'live-call-a', kind: 'transcript', data: { big } }]),
      );
    }
    const metrics = async () => (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const deadline = Date.now() + 30_000;
    while (!/vapi_stream_dropped_total\{reason="slow"\} [1-9]/.test(await metrics())) {
      if (Date.now() > deadline) throw new Error('the slow client was never dropped');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await metrics()).toMatch(/vapi_stream_subscribers \d+/);
  });
});
