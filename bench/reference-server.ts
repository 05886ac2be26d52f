import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The bench's reference intake: the least a correct webhook receiver can do, hand-written on
 * bare Fastify. It checks the same HMAC as the product (sha256, hex, over `<x-timestamp>.<raw
 * body>`, 300 s window), parses the JSON, awaits a BullMQ `add` with a deterministic job id and
 * answers 200. The product's intake is reported as a ratio of this server's throughput.
 *
 * Runs as its own process: `node dist/bench/bench/reference-server.js` with PORT, REDIS_URL,
 * QUEUE_PREFIX and HMAC_SECRET in the environment.
 */

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const port = Number(env('PORT'));
const secret = Buffer.from(env('HMAC_SECRET'));
const toleranceSeconds = 300;

// Same producer settings as the product's api: fail fast rather than hang when Redis is down.
const queue = new Queue('reference-events', {
  connection: { url: env('REDIS_URL'), maxRetriesPerRequest: 1, connectTimeout: 2000 },
  prefix: env('QUEUE_PREFIX'),
  skipWaitingForReady: true,
});
queue.on('error', () => undefined);

const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
  done(null, body),
);

const header = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value[0] : value) ?? '';

function verify(raw: Buffer, timestamp: string, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex');
  const received = Buffer.from(signature.toLowerCase());
  if (received.length !== expected.length || !timingSafeEqual(received, Buffer.from(expected))) {
    return false;
  }
  return Math.abs(Date.now() / 1000 - Number(timestamp)) <= toleranceSeconds;
}

app.post('/api/webhook/vapi', async (req, reply) => {
  const raw = req.body as Buffer;
  if (!verify(raw, header(req.headers['x-timestamp']), header(req.headers['x-signature']))) {
    return reply.code(401).send({ message: 'invalid signature' });
  }
  let body: { message?: { type?: unknown; status?: unknown; call?: { id?: unknown } } };
  try {
    body = JSON.parse(raw.toString('utf8')) as typeof body;
  } catch {
    return reply.code(400).send({ message: 'invalid JSON' });
  }
  const message = body.message;
  const type = typeof message?.type === 'string' ? message.type : '';
  const callId = typeof message?.call?.id === 'string' ? message.call.id : '';
  if (type === '' || callId === '') return reply.code(400).send({ message: 'not a VAPI message' });
  const status = typeof message?.status === 'string' ? `-${message.status}` : '';
  await queue.add(
    'apply-call-event',
    { payload: body, receivedAt: new Date().toISOString() },
    { jobId: `ref-${callId}-${type}${status}` },
  );
  return {};
});

const shutdown = (): void => {
  void app
    .close()
    .then(() => queue.close())
    .then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

app.get('/health', () => ({ status: 'ok' }));

app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
