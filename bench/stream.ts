import { openLoop, quantile } from '../test/helpers/load';
import { procStats, sleep } from '../test/helpers/processes';
import { SseClient } from '../test/helpers/sse';
import { type WorkloadEvent, eventStream, workloadCallId } from '../test/helpers/workload';
import type { BenchStack } from './stack';
import { log } from './stats';

/** What the `stream` phase measured. */
export interface StreamResult {
  subscribers: number;
  perCall: number;
  allCalls: number;
  calls: number;
  rate: number;
  seconds: number;
  /** Changes delivered to subscribers during the measured window. */
  deliveries: number;
  /** Feed row written (its transaction's `now()`) → event parsed by the subscriber, ms. */
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
 * timed from its feed row's creation (the writing transaction's `now()`, a little before its
 * commit: the figure slightly overstates commit → delivered) to its arrival.
 */
export async function benchStream(
  stack: BenchStack,
  options: {
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

  const events = eventStream({
    first,
    openCalls: options.openCalls,
    storageOrigin: stack.storage.origin,
  });
  const client = stack.client('product', 256);
  measuring = true;
  windowStart = Date.now();
  const load = await openLoop({
    client,
    rate: options.rate,
    durationMs: options.seconds * 1000,
    next: () => (events.next().value as WorkloadEvent).body,
    hmacSecret: stack.hmacSecret,
    maxInFlight: 2000,
  });
  client.close();
  // Let the last changes reach everyone.
  await sleep(3000);
  measuring = false;
  const ended = clients.filter((c) => c.ended).length;
  for (const c of clients) c.close();
  const sorted = latencies.sort((a, b) => a - b);
  const non200 = [...load.statuses].filter(([s]) => s !== 200).reduce((n, [, k]) => n + k, 0);
  const result: StreamResult = {
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
    `stream: ${result.deliveries} deliveries, p50 ${result.latencyP50} ms, p99 ${result.latencyP99} ms, ` +
      `max ${result.latencyMax} ms; ${ended} streams ended early, ${refused} refused`,
  );
  return result;
}
