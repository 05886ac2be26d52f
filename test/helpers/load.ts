import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * HTTP load for the bench and the fault drills: signed webhook deliveries over keep-alive
 * connections, either closed-loop (a fixed number in flight) or open-loop (a fixed rate, with
 * latency measured from when each request was due, so a slow server cannot hide its queueing).
 */

/**
 * Most of a reply's body kept for the caller. Generous, because the fuzz oracle parses whole
 * answers (a tool-calls answer echoes every call: a cut one is not JSON); bounded, so a load
 * run cannot hoard memory.
 */
const MAX_KEPT_BODY_BYTES = 1024 * 1024;

/** The result of one POST. `status` is 0 when no response arrived (refused, reset, timeout). */
export interface PostResult {
  status: number;
  /** When the request was sent (epoch ms). */
  startedAt: number;
  latencyMs: number;
  /** Node's error code (`ECONNREFUSED`, `ECONNRESET`, …) when `status` is 0. */
  error?: string;
  /** The response body, cut at 4 KB. */
  body?: string;
}

/** HMAC headers as VAPI's HMAC credential sends them by default: sha256 hex of `<ts>.<body>`. */
export function hmacHeaders(
  body: Buffer,
  secret: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { 'x-timestamp': timestamp, 'x-signature': signature };
}

/** A keep-alive HTTP client for one loopback origin. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 64,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** POSTs `body` as JSON; never rejects (failures come back as status 0). */
  post(
    path: string,
    body: Buffer | string,
    headers: Record<string, string | number> = {},
  ): Promise<PostResult> {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    return this.send('POST', path, payload, {
      'content-type': 'application/json',
      'content-length': payload.length,
      ...headers,
    });
  }

  /** GETs `path`; never rejects. */
  get(path: string, headers: Record<string, string> = {}): Promise<PostResult> {
    return this.send('GET', path, undefined, headers);
  }

  private send(
    method: string,
    path: string,
    payload: Buffer | undefined,
    headers: Record<string, string | number>,
  ): Promise<PostResult> {
    const started = performance.now();
    const startedAt = Date.now();
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<PostResult, 'latencyMs' | 'startedAt'>): void => {
        if (settled) return;
        settled = true;
        resolve({ ...result, startedAt, latencyMs: performance.now() - started });
      };
      const req = request(
        {
          agent: this.agent,
          method,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < MAX_KEPT_BODY_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () =>
            finish({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).subarray(0, MAX_KEPT_BODY_BYTES).toString('utf8'),
            }),
          );
          res.on('error', (error: NodeJS.ErrnoException) =>
            finish({ status: 0, error: error.code ?? error.message }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({ status: 0, error: error.code ?? error.message }),
      );
      req.end(payload);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** The path VAPI posts to. */
export const WEBHOOK_PATH = '/api/webhook/vapi';

/** One item to deliver and what became of it. */
export interface Delivery<T> {
  item: T;
  /** Every attempt, in order. */
  attempts: PostResult[];
  /** The final attempt's status was 2xx. */
  acknowledged: boolean;
}

/** Options of `deliverAll`. */
export interface DeliverOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Signs each attempt with a fresh timestamp when set. */
  hmacSecret?: string;
  /**
   * Retries an attempt that got no response or a 5xx, as VAPI does with a backoff plan.
   * Default: no retries.
   */
  retry?: { attempts: number; delayMs: number };
  /** Each of the `concurrency` lanes sends at most one request per this many ms (pacing). */
  minIntervalMs?: number;
  /** Called after every attempt (e.g. to cut a proxy half-way through a drill). */
  onAttempt?: (result: PostResult, done: number) => void;
}

/** Delivers every item (closed loop) and reports each outcome; never rejects. */
export async function deliverAll<T extends { body: Buffer }>(
  client: HttpClient,
  items: readonly T[],
  options: DeliverOptions,
): Promise<Delivery<T>[]> {
  const results: Delivery<T>[] = items.map((item) => ({ item, attempts: [], acknowledged: false }));
  let next = 0;
  let done = 0;
  const maxAttempts = 1 + (options.retry?.attempts ?? 0);
  const worker = async (): Promise<void> => {
    let lastSent = 0;
    while (next < results.length) {
      const delivery = results[next];
      next += 1;
      for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
        if (attempt > 0) await sleep(options.retry?.delayMs ?? 0);
        const wait = lastSent + (options.minIntervalMs ?? 0) - performance.now();
        if (wait > 0) await sleep(wait);
        lastSent = performance.now();
        const headers = options.hmacSecret
          ? hmacHeaders(delivery.item.body, options.hmacSecret)
          : {};
        const result = await client.post(WEBHOOK_PATH, delivery.item.body, headers);
        delivery.attempts.push(result);
        done += 1;
        options.onAttempt?.(result, done);
        delivery.acknowledged = result.status >= 200 && result.status < 300;
        if (result.status !== 0 && result.status < 500) break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return results;
}

/** Options of `openLoop`. */
export interface OpenLoopOptions {
  client: HttpClient;
  /** Requests per second offered, whatever the server does. */
  rate: number;
  durationMs: number;
  /** The next body to send. */
  next: () => Buffer;
  hmacSecret?: string;
  /** Requests beyond this many in flight are not sent and counted as `dropped` (overload). */
  maxInFlight?: number;
  /** Called for every answered request with its body. */
  onResult?: (result: PostResult, body: Buffer) => void;
}

/** What an open-loop run measured. */
export interface OpenLoopResult {
  sent: number;
  dropped: number;
  /** Latency from when each request was due (ms), answered requests only. */
  latencies: number[];
  statuses: Map<number, number>;
  elapsedMs: number;
}

/** Offers a fixed request rate for a fixed time and waits for every answer. */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { client, rate, durationMs, maxInFlight = 4096 } = options;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let dropped = 0;
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  let due = 0;
  while (due < total) {
    const now = performance.now();
    const shouldHaveSent = Math.min(total, Math.floor(((now - start) * rate) / 1000));
    for (; due < shouldHaveSent; due += 1) {
      const dueAt = start + (due * 1000) / rate;
      if (pending.size >= maxInFlight) {
        dropped += 1;
        continue;
      }
      const body = options.next();
      const headers = options.hmacSecret ? hmacHeaders(body, options.hmacSecret) : {};
      sent += 1;
      const p = client.post(WEBHOOK_PATH, body, headers).then((result) => {
        latencies.push(performance.now() - dueAt);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        options.onResult?.(result, body);
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(2);
  }
  await Promise.all(pending);
  return { sent, dropped, latencies, statuses, elapsedMs: performance.now() - start };
}

/** The q-quantile (0..1) of a list of numbers (nearest rank); NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
