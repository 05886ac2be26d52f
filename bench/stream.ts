import { CallChangesRepository } from '../libs/database/src/repositories/call-changes.repository';
import { openLoop, quantile } from '../test/helpers/load';
import { procStats, sleep } from '../test/helpers/processes';
import { SseClient } from '../test/helpers/sse';
import { type WorkloadEvent, eventStream, workloadCallId } from '../test/helpers/workload';
import type { BenchStack } from './stack';
import { log } from './stats';

/** What the `stream` phase measured. */
export interface StreamResult {
  /** What was offered: webhooks through api and worker, or changes written to the feed directly. */
  source: 'webhooks' | 'feed';
  subscribers: number;
  perCall: number;
  allCalls: number;
  calls: number;
  rate: number;
  seconds: number;
  /** Changes delivered to subscribers during the measured window. */
  deliveries: number;
  /** Feed row written (`clock_timestamp()` at insert, just before commit) → event parsed, ms. */
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  /** Subscribers whose stream ended before the end of the run (slow-client drops, errors). */
  ended: number;
  refused: number;
  apiRssBeforeMb: number;
  apiRssWithMb: number;
  apiRssPer1000Mb: number;
  webhooksNon200: number;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 10) / 10;

/**
 * Live streams under load: `subscribers` SSE clients (most on single calls of the workload,
 * the rest on the all-calls stream, a fifth of those filtered by status) while the workload's
 * webhooks are offered at `rate`/s through the real api and worker. Each delivered change is
 * timed from its feed row's insertion (the writing transaction's last statement, moments before
 * its commit) to its arrival at the subscriber.
 */
export async function benchStream(
  stack: BenchStack,
  options: {
    source: 'webhooks' | 'feed';
    subscribers: number;
    allCalls: number;
    rate: number;
    seconds: number;
    openCalls: number;
  },
): Promise<StreamResult> {
  await stack.worker?.stop();
  await stack.clearQueues();
  await stack.truncate();
  await stack.startWorker();
  // A fresh api: its RSS is then that of this phase, not of what earlier phases left behind.
  await stack.api?.stop();
  await stack.startApi();
  const first = 20_000_000;
  // Enough call ids for the whole run; rows exist up front so per-call streams can open before
  // the calls' first events (the worker upserts over them).
  const calls = Math.max(options.openCalls * 3, 150);
  const ids = Array.from({ length: calls }, (_, i) => workloadCallId(first + i));
  await stack.db.query(`INSERT INTO calls (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [
    ids,
  ]);

  const apiPid = stack.api!.pid;
  await sleep(1000);
  const before = procStats(apiPid)?.rssBytes ?? 0;
  const auth = { authorization: `Bearer ${stack.productEnv().API_TOKENS}` };
  const base = stack.url('product');
  const perCall = options.subscribers - options.allCalls;
  const latencies: number[] = [];
  let measuring = false;
  let windowStart = 0;
  const clients: SseClient[] = [];
  let refused = 0;
  log(
    `stream: opening ${options.subscribers} subscribers (${perCall} per call over ${calls} calls, ${options.allCalls} all-calls)`,
  );
  for (let i = 0; i < options.subscribers; i += 1) {
    const url =
      i < perCall
        ? `${base}/api/calls/${ids[i % calls]}/stream`
        : i % 5 === 0
          ? `${base}/api/stream?status=in-progress`
          : `${base}/api/stream`;
    const client = await SseClient.open(url, auth);
    if (client.status !== 200) {
      refused += 1;
      client.close();
      continue;
    }
    client.onEvent = (event) => {
      if (!measuring || event.event === 'ready' || event.event === 'reset') return;
      const at = Date.parse((JSON.parse(event.data) as { at: string }).at);
      if (at >= windowStart) latencies.push(Date.now() - at);
    };
    clients.push(client);
    if (i % 100 === 99) await sleep(20);
  }
  await Promise.all(
    clients.map((c) =>
      c.waitFor((x) => x.ended || x.events.length > 0, 30_000).catch(() => undefined),
    ),
  );
  // From here events are timed on arrival, not kept (that would grow this process without bound).
  for (const c of clients) c.keepEvents = false;
  await sleep(2000);
  const withSubscribers = procStats(apiPid)?.rssBytes ?? 0;
  log(
    `stream: api RSS ${mb(before)} MB → ${mb(withSubscribers)} MB with ${clients.length} subscribers`,
  );

  measuring = true;
  windowStart = Date.now();
  const statuses =
    options.source === 'webhooks'
      ? await offerWebhooks(stack, first, options)
      : await offerFeedChanges(stack, ids, options);
  // Let the last changes reach everyone.
  await sleep(3000);
  measuring = false;
  const ended = clients.filter((c) => c.ended).length;
  for (const c of clients) c.close();
  const sorted = latencies.sort((a, b) => a - b);
  const non200 = [...statuses].filter(([s]) => s !== 200).reduce((n, [, k]) => n + k, 0);
  const result: StreamResult = {
    source: options.source,
    subscribers: clients.length,
    perCall,
    allCalls: options.allCalls,
    calls,
    rate: options.rate,
    seconds: options.seconds,
    deliveries: sorted.length,
    latencyP50: quantile(sorted, 0.5),
    latencyP99: quantile(sorted, 0.99),
    latencyMax: sorted[sorted.length - 1] ?? NaN,
    ended,
    refused,
    apiRssBeforeMb: mb(before),
    apiRssWithMb: mb(withSubscribers),
    apiRssPer1000Mb:
      clients.length > 0 ? mb(((withSubscribers - before) * 1000) / clients.length) : NaN,
    webhooksNon200: non200,
  };
  log(
    `stream (${options.source}): ${result.deliveries} deliveries, p50 ${result.latencyP50} ms, p99 ${result.latencyP99} ms, ` +
      `max ${result.latencyMax} ms; ${ended} streams ended early, ${refused} refused`,
  );
  return result;
}

/** The workload's webhooks at `rate`/s, signed, through the real api and worker. */
async function offerWebhooks(
  stack: BenchStack,
  first: number,
  options: { rate: number; seconds: number; openCalls: number },
): Promise<Map<number, number>> {
  const events = eventStream({
    first,
    openCalls: options.openCalls,
    storageOrigin: stack.storage.origin,
  });
  const client = stack.client('product', 256);
  const load = await openLoop({
    client,
    rate: options.rate,
    durationMs: options.seconds * 1000,
    next: () => (events.next().value as WorkloadEvent).body,
    hmacSecret: stack.hmacSecret,
    maxInFlight: 2000,
  });
  client.close();
  return load.statuses;
}

/**
 * Changes committed straight into the feed at `rate`/s, one transaction each, the way the
 * worker writes them: isolates the fan-out (NOTIFY, read, write to subscribers) from the
 * pipeline before it.
 */
async function offerFeedChanges(
  stack: BenchStack,
  ids: readonly string[],
  options: { rate: number; seconds: number },
): Promise<Map<number, number>> {
  const feed = new CallChangesRepository(stack.db);
  const total = options.rate * options.seconds;
  const start = Date.now();
  for (let n = 0; n < total; n += 1) {
    const wait = start + (n * 1000) / options.rate - Date.now();
    if (wait > 0) await sleep(wait);
    const callId = ids[n % ids.length];
    await stack.db.transaction((m) =>
      feed.append(m, [{ callId, kind: 'status', data: { status: 'in-progress', n } }]),
    );
  }
  return new Map([[200, total]]);
}
