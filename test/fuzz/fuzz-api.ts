import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import type { AppConfig } from '@app/config';
import { QueueName, jobIds } from '@app/queue';
import { createApiApp } from '../../apps/api/src/app.factory';
import { VapiResponderService } from '../../apps/api/src/vapi-webhook/vapi-responder.service';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { deleteQueueKeys } from '../helpers/redis';
import type { Reply } from './webhook-oracle';
import { FUZZ_AUTH_ENV, renderCase, type WebhookCase } from './arbitraries/webhook-requests';
import { expectationOf, judgeReply } from './webhook-oracle';

export const WEBHOOK_PATH = '/api/webhook/vapi';

/**
 * The real api (every auth mode configured), its own database and queue prefix, no worker, so
 * every enqueued job stays visible. `inject` drives Fastify in-process; `http` goes through a
 * loopback socket so resets and hang-ups would show.
 */
export class FuzzApi {
  private agent?: Agent;
  private port?: number;

  private constructor(
    readonly config: AppConfig,
    readonly app: NestFastifyApplication,
    readonly queue: Queue,
    private readonly db: TestDatabase,
    readonly responder: VapiResponderService,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<FuzzApi> {
    const config = testConfig({ ...FUZZ_AUTH_ENV, ...env });
    const db = await createTestDatabase(config);
    const app = await createApiApp(config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const queue = new Queue(QueueName.CallEvents, {
      connection: { url: config.redis.url },
      prefix: config.redis.prefix,
    });
    return new FuzzApi(config, app, queue, db, app.get(VapiResponderService));
  }

  async listen(): Promise<void> {
    await this.app.listen(0, '127.0.0.1');
    this.port = (this.app.getHttpServer().address() as AddressInfo).port;
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  async stop(): Promise<void> {
    this.agent?.destroy();
    await this.queue.close();
    await this.app.close();
    await deleteQueueKeys(this.config.redis.url, this.config.redis.prefix);
    await this.db.drop();
  }

  async inject(bytes: Buffer, headers: Record<string, string>): Promise<Reply> {
    const res = await this.app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: bytes,
      headers,
    });
    return { status: res.statusCode, body: res.body };
  }

  http(bytes: Buffer, headers: Record<string, string>): Promise<Reply> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: WEBHOOK_PATH,
          agent: this.agent,
          headers: { ...headers, 'content-length': String(bytes.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => resolve({ status: 0, body: '', error: error.message }));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: 0, body: '', error: error.code ?? error.message }),
      );
      req.end(bytes);
    });
  }

  /** Every job the intake has left in the call-events queue. */
  async jobCount(): Promise<number> {
    const counts = await this.queue.getJobCounts(
      'waiting',
      'delayed',
      'prioritized',
      'active',
      'completed',
      'failed',
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }
}

/**
 * Sends one case and returns what is wrong with how it was handled (empty when all is well):
 * never a 5xx or a reset; a refusal is a 4xx with a reason and enqueues nothing; an accepted
 * event is answered as VAPI needs and its job (id from its dedup key) is in the queue.
 */
export async function checkCase(
  api: FuzzApi,
  c: WebhookCase,
  transport: 'inject' | 'http',
): Promise<string[]> {
  const { bytes, headers } = renderCase(c);
  const expected = expectationOf(c, bytes);
  const before = await api.jobCount();
  const reply =
    transport === 'inject' ? await api.inject(bytes, headers) : await api.http(bytes, headers);
  const problems = judgeReply(expected, reply, (event) => api.responder.expectsAnswer(event));
  if (problems.length > 0 || reply.status === 0) return problems;
  if (reply.status >= 400) {
    const after = await api.jobCount();
    return after === before
      ? []
      : [`refused (${reply.status}) but enqueued ${after - before} job(s)`];
  }
  if (!expected.accept) return [];
  const job = await api.queue.getJob(jobIds.callEvent(expected.event.dedupKey));
  if (job === undefined) {
    problems.push(`accepted ${expected.event.kind} but its job is not in the queue`);
  } else {
    // Keeps Redis small over thousands of cases (some bodies are megabytes).
    await job.remove();
  }
  return problems;
}
