import { request } from 'node:http';
import fc from 'fast-check';
import { VapiResponderService } from '../../apps/api/src/vapi-webhook/vapi-responder.service';
import { authCases, renderCase, webhookCaseArb } from '../fuzz/arbitraries/webhook-requests';
import { fuzzSettings } from '../fuzz/fuzz-settings';
import { expectationOf, judgeReply } from '../fuzz/webhook-oracle';
import { testConfig } from '../helpers/config';
import { HttpClient, PostResult, WEBHOOK_PATH, hmacHeaders } from '../helpers/load';
import { queueCounts } from '../helpers/pipeline';
import { httpStatus, sleep } from '../helpers/processes';
import { Drill, REDIS_URL } from './harness';

/** One hostile request and the statuses it may get (never a 5xx). */
interface BadRequest {
  category: string;
  body: Buffer;
  headers: Record<string, string>;
  allowed: number[];
  /** The server may hang up before reading it all (status 0 is then acceptable). */
  mayDisconnect?: boolean;
}

const BODY_LIMIT = 8 * 1024 * 1024;

/** mulberry32: reproducible "randomness" so a failure can be replayed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const parses = (body: Buffer): boolean => {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};

/** Valid JSON whose shape or types no normaliser may accept (signed, so only validation stops it). */
const WRONG_TYPES: unknown[] = [
  [],
  [{ message: { type: 'status-update' } }],
  42,
  'message',
  null,
  true,
  {},
  { hello: 'world' },
  { message: null },
  { message: 5 },
  { message: 'status-update' },
  { message: [] },
  { message: {} },
  { message: { type: 5 } },
  { message: { type: '' } },
  { message: { type: ['status-update'] } },
  { message: { type: { name: 'status-update' } } },
  { message: { type: 'status-update', status: 'ringing' } },
  { message: { type: 'status-update', status: 'ringing', call: 'c0ffee42' } },
  { message: { type: 'status-update', status: 'ringing', call: { id: 42 } } },
  { message: { type: 'status-update', status: 'ringing', call: { id: '' } } },
  { message: { type: 'status-update', status: 'ringing', call: { id: null } } },
  { message: { type: 'status-update', status: 7, call: { id: 'c0ffee42' } } },
  { message: { type: 'status-update', call: { id: 'c0ffee42' } } },
  { message: { type: 'end-of-call-report', call: { id: ['c0ffee42'] } } },
  { message: { type: 'transcript', call: {} } },
  { message: { type: 'conversation-update', call: { id: { id: 'x' } } } },
  { type: 'call.started', call: {} },
  { type: 'call.started', call: { id: 42 } },
  { type: 'call.ended' },
  { type: 5, call: { id: 'c0ffee42' } },
  JSON.parse('{"__proto__": {"polluted": true}, "message": 5}'),
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'text/json',
  'application/jsonp',
  'application/octet-stream',
  'image/png',
];

function hostileRequests(drill: Drill): BadRequest[] {
  const random = rng(66);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const valid = drill.workload(20).map((e) => e.body);
  const sign = (body: Buffer, ts?: number): Record<string, string> =>
    hmacHeaders(body, drill.hmacSecret, ts);
  const now = (): number => Math.floor(Date.now() / 1000);
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const out: BadRequest[] = [];
  const add = (count: number, make: () => Omit<BadRequest, 'category'>, category: string): void => {
    for (let i = 0; i < count; i += 1) out.push({ category, ...make() });
  };

  add(1000, () => ({ body: pick(valid), headers: {}, allowed: [401] }), 'missing auth');
  add(
    1500,
    () => {
      const body = pick(valid);
      const signature = pick([
        hex(64),
        hex(63),
        hex(128),
        '',
        'sha256=' + hex(64),
        hex(64).toUpperCase(),
        'x',
      ]);
      return {
        body,
        headers: { 'x-timestamp': String(now()), 'x-signature': signature },
        allowed: [401],
      };
    },
    'bad signature',
  );
  add(
    500,
    () => {
      const [a, b] = [pick(valid), pick(valid)];
      return {
        body: a,
        headers: sign(a === b ? Buffer.concat([b, Buffer.from(' ')]) : b),
        allowed: [401],
      };
    },
    'signature of another body',
  );
  add(
    800,
    () => {
      const body = pick(valid);
      return {
        body,
        headers: sign(body, now() - 301 - Math.floor(random() * 1e6)),
        allowed: [401],
      };
    },
    'stale timestamp',
  );
  add(
    800,
    () => {
      const body = pick(valid);
      return {
        body,
        headers: sign(body, now() + 301 + Math.floor(random() * 1e6)),
        allowed: [401],
      };
    },
    'future timestamp',
  );
  add(
    600,
    () => {
      const body = pick(valid);
      const ts = pick(['abc', '-5', '1e9', '12.5.6', '9'.repeat(40), '0x10', 'NaN', `${now()}abc`]);
      const signature = hmacHeaders(body, drill.hmacSecret)['x-signature'];
      return { body, headers: { 'x-timestamp': ts, 'x-signature': signature }, allowed: [401] };
    },
    'malformed timestamp',
  );
  add(
    300,
    () => ({
      body: pick(valid),
      headers: pick<Record<string, string>>([
        { authorization: 'Bearer not-the-token' },
        { 'x-vapi-secret': 'not-the-secret' },
        { 'x-vapi-signature': hex(64) },
        { authorization: drill.hmacSecret },
      ]),
      allowed: [401],
    }),
    'other auth schemes',
  );
  add(
    1500,
    () => {
      const source = pick(valid);
      let body = source.subarray(0, Math.floor(random() * (source.length - 1)));
      if (parses(body)) body = Buffer.concat([body, Buffer.from('{')]);
      return { body, headers: sign(body), allowed: [400] };
    },
    'truncated JSON',
  );
  add(
    1500,
    () => {
      const body = Buffer.from(pick(valid));
      const edits = 1 + Math.floor(random() * 20);
      for (let i = 0; i < edits; i += 1)
        body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      // A mutation that still parses could be a legitimate event; those go unsigned.
      return parses(body)
        ? { body, headers: {}, allowed: [401] }
        : { body, headers: sign(body), allowed: [400] };
    },
    'fuzzed JSON',
  );
  add(
    1000,
    () => {
      const body = Buffer.from(JSON.stringify(pick(WRONG_TYPES)));
      return { body, headers: sign(body), allowed: [400] };
    },
    'wrong types',
  );
  add(
    100,
    () => {
      const body = Buffer.from(pick(['', ' ', '\n\n', '\u0000', '\uFEFF']));
      return { body, headers: sign(body), allowed: [400] };
    },
    'empty body',
  );
  add(
    10,
    () => {
      const depth = 50_000 + Math.floor(random() * 100_000);
      const body = Buffer.from(
        random() < 0.5
          ? '['.repeat(depth) + ']'.repeat(depth)
          : '{"message":'.repeat(depth) + '1' + '}'.repeat(depth),
      );
      return { body, headers: sign(body), allowed: [400] };
    },
    'deeply nested JSON',
  );
  add(
    600,
    () => {
      const body = pick(valid);
      return {
        body,
        headers: { ...sign(body), 'content-type': pick(CONTENT_TYPES) },
        allowed: [415],
      };
    },
    'wrong content type',
  );
  add(
    20,
    () => {
      const body = pick(valid);
      return {
        body,
        headers: { ...sign(body), 'x-padding': 'p'.repeat(20_000 + Math.floor(random() * 40_000)) },
        allowed: [431],
        mayDisconnect: true,
      };
    },
    'oversized headers',
  );
  add(
    10,
    () => {
      const body = Buffer.alloc(BODY_LIMIT + 1024 * 1024, 0x20);
      return { body, headers: sign(body), allowed: [413], mayDisconnect: true };
    },
    'huge body',
  );
  return out;
}

/** Streams `bytes` with chunked encoding (no content-length) and reports the status. */
function postChunked(
  port: number,
  bytes: number,
  headers: Record<string, string>,
): Promise<PostResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number, error?: string): void => {
      if (settled) return;
      settled = true;
      resolve({ status, error, startedAt: started, latencyMs: Date.now() - started });
    };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: WEBHOOK_PATH,
        agent: false,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers },
      },
      (res) => {
        res.resume();
        finish(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => finish(0, error.code ?? error.message));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const write = (): void => {
      while (sent < bytes && !settled) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      if (!settled) req.end();
    };
    write();
  });
}

describe('drill 6: hostile input', () => {
  let drill: Drill;

  beforeAll(async () => {
    // No worker: anything enqueued stays visible in the queue.
    drill = await Drill.start({ name: 'hostile-input', worker: false });
  });
  afterAll(async () => drill?.dispose());

  it('answers 10,000+ bad requests without a 5xx, a crash, an enqueue or unbounded memory', async () => {
    const api = drill.api;
    if (api === undefined) throw new Error('api not started');
    const pid = api.pid;
    const requests = hostileRequests(drill);
    const rssBefore = api.stats()?.rssBytes ?? 0;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, api.stats()?.rssBytes ?? 0);
    }, 100);

    const client = new HttpClient(`http://127.0.0.1:${drill.apiPort}`, 32);
    const failures: string[] = [];
    const byCategory: Record<string, Record<string, number>> = {};
    const record = (r: BadRequest, result: PostResult): void => {
      const key = result.status === 0 ? `0:${result.error ?? '?'}` : String(result.status);
      byCategory[r.category] = byCategory[r.category] ?? {};
      byCategory[r.category][key] = (byCategory[r.category][key] ?? 0) + 1;
      const ok =
        r.allowed.includes(result.status) || (result.status === 0 && r.mayDisconnect === true);
      if (!ok && failures.length < 20) {
        failures.push(`${r.category}: got ${key} for ${r.body.subarray(0, 80).toString('utf8')}`);
      }
    };
    // Huge bodies go two at a time; everything else 32 at a time.
    const huge = requests.filter((r) => r.body.length > BODY_LIMIT);
    const rest = requests.filter((r) => r.body.length <= BODY_LIMIT);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < rest.length) {
        const r = rest[next];
        next += 1;
        record(
          r,
          await client.post(WEBHOOK_PATH, r.body, {
            'content-type': 'application/json',
            ...r.headers,
          }),
        );
      }
    };
    const hugeLane = async (): Promise<void> => {
      for (const [i, r] of huge.entries()) {
        const one = new HttpClient(`http://127.0.0.1:${drill.apiPort}`, 1);
        record(r, await one.post(WEBHOOK_PATH, r.body, r.headers));
        one.close();
        // The same size again, streamed without a content-length.
        const chunked = { ...r, category: 'huge chunked body' };
        record(
          chunked,
          await postChunked(drill.apiPort, r.body.length, i % 2 === 0 ? r.headers : {}),
        );
      }
    };
    await Promise.all([...Array.from({ length: 32 }, lane), hugeLane()]);
    client.close();
    await sleep(500);
    clearInterval(sampler);
    const rssAfter = api.stats()?.rssBytes ?? 0;

    const counts = await queueCounts(REDIS_URL, drill.prefix);
    const enqueued = Object.values(counts).reduce(
      (sum, c) => sum + Object.values(c).reduce((s, n) => s + n, 0),
      0,
    );
    const health = await httpStatus(`http://127.0.0.1:${drill.apiPort}/health/live`);
    const total = Object.values(byCategory).reduce(
      (sum, c) => sum + Object.values(c).reduce((s, n) => s + n, 0),
      0,
    );
    const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    drill.report({
      requests: total,
      byCategory,
      enqueued,
      rssMb: { before: mb(rssBefore), peak: mb(rssPeak), after: mb(rssAfter) },
      health,
    });

    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(failures).toEqual([]);
    expect(enqueued).toBe(0);
    expect(api.running).toBe(true);
    expect(api.pid).toBe(pid);
    expect(health).toBe(200);
    expect(api.logs()).not.toMatch(/unhandled|uncaught|heap out of memory/i);
    // Bodies are capped at 8 MB and at most a few are buffered at once.
    expect(rssPeak - rssBefore).toBeLessThan(256 * 1024 * 1024);
    expect(rssAfter - rssBefore).toBeLessThan(128 * 1024 * 1024);

    // Still serving: a valid event is accepted (and is the only job).
    const [event] = drill.workload(1);
    expect((await drill.post(event.body)).status).toBe(200);
    const after = await queueCounts(REDIS_URL, drill.prefix);
    expect(after['call-events'].waiting).toBe(1);
  });

  // The fixed list above knows what it tried; generated requests cover what nobody listed: every
  // message type the normaliser knows, both formats, mutated (test/fuzz/arbitraries), judged by
  // the same oracle as the fuzz specs. FUZZ_SEED and FUZZ_RUNS replay a run.
  it('answers thousands of generated requests as the oracle says, enqueuing exactly the accepted ones', async () => {
    const settings = fuzzSettings(3000);
    const cases = fc
      .sample(webhookCaseArb(authCases({ hmac: drill.hmacSecret })), {
        numRuns: settings.numRuns,
        seed: settings.seed,
      })
      // This client sends application/json when a request names no content type.
      .map((c) => ({ ...c, contentType: c.contentType ?? 'application/json' }));
    const responder = new VapiResponderService(testConfig());
    const before = (await queueCounts(REDIS_URL, drill.prefix))['call-events'].waiting;
    const client = new HttpClient(`http://127.0.0.1:${drill.apiPort}`, 16);
    const failures: string[] = [];
    const accepted = new Set<string>();
    const byStatus: Record<string, number> = {};
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next];
        next += 1;
        const { bytes, headers } = renderCase(c);
        const expected = expectationOf(c, bytes);
        const reply = await client.post(WEBHOOK_PATH, bytes, headers);
        const key = reply.status === 0 ? `0:${reply.error ?? '?'}` : String(reply.status);
        byStatus[key] = (byStatus[key] ?? 0) + 1;
        if (expected.accept && reply.status === 200) accepted.add(expected.event.dedupKey);
        const problems = judgeReply(expected, reply, (event) => responder.expectsAnswer(event));
        if (problems.length > 0 && failures.length < 20) {
          failures.push(`${problems.join('; ')} for ${bytes.subarray(0, 120).toString('utf8')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    client.close();
    const enqueued = (await queueCounts(REDIS_URL, drill.prefix))['call-events'].waiting - before;

    drill.report({
      generated: cases.length,
      seed: settings.seed,
      failures: failures.length,
      byStatus,
      accepted: accepted.size,
      enqueued,
    });
    expect(failures).toEqual([]);
    expect(enqueued).toBe(accepted.size);
    expect(drill.api?.running).toBe(true);
  });
});
