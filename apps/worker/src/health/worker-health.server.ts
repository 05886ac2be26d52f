import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  METRICS_CONTENT_TYPE,
  MetricsRegistry,
  pingPostgres,
  renderMetrics,
} from '@app/observability';
import { QueueProbe, queueBackend } from '@app/queue';

/** One dependency's state, shaped like Terminus's results in the api. */
type Check = { status: 'up' } | { status: 'down'; message: string };

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * The worker's only HTTP surface, on WORKER_HEALTH_PORT (0 picks a free port): GET /health (and
 * /health/ready) is 200 when Postgres and Redis answer within a second and 503 otherwise,
 * GET /health/live is 200 while the process runs, GET /metrics is Prometheus text. A bare
 * `node:http` server: the worker has no Nest HTTP app.
 */
@Injectable()
export class WorkerHealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHealth');
  private readonly server: Server;
  /** The queue store's probe, and its name in the readiness details (`redis` or `queue`). */
  private readonly redis: QueueProbe;
  private readonly queueKey: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly registry: MetricsRegistry,
  ) {
    const backend = queueBackend(config);
    this.queueKey = backend.healthKey;
    this.redis = backend.probe(1000);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.error(`${req.method} ${req.url} failed: ${message(error)}`);
        if (!res.headersSent) send(res, 500, { statusCode: 500, message: 'Internal server error' });
      });
    });
    // Probes are short; idle keep-alive sockets must not hold shutdown up.
    this.server.keepAliveTimeout = 5000;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { healthPort } = this.config.worker;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(healthPort, this.config.http.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.logger.log(`health and metrics on port ${this.port}`);
  }

  /** The port actually listened on (differs from the config when it is 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.close();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Postgres and Redis, checked in parallel. */
  async readiness(): Promise<{ ok: boolean; details: Record<string, Check> }> {
    const check = async (probe: () => Promise<void>): Promise<Check> => {
      try {
        await probe();
        return { status: 'up' };
      } catch (error) {
        return { status: 'down', message: message(error) };
      }
    };
    const [postgres, redis] = await Promise.all([
      check(() => pingPostgres(this.dataSource, 1000)),
      check(() => this.redis.ping()),
    ]);
    return {
      ok: postgres.status === 'up' && redis.status === 'up',
      details: { postgres, [this.queueKey]: redis },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0].replace(/\/+$/, '') || '/';
    const known = ['/health', '/health/ready', '/health/live', '/metrics'];
    if (!known.includes(path)) {
      send(res, 404, { statusCode: 404, message: `Cannot ${req.method} ${path}` });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, { statusCode: 405, message: 'Use GET.' });
      return;
    }
    if (path === '/metrics') {
      const text = await renderMetrics(this.registry);
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text);
      return;
    }
    if (path === '/health/live') {
      send(res, 200, { status: 'ok', info: {}, error: {}, details: {} });
      return;
    }
    const { ok, details } = await this.readiness();
    const up = Object.fromEntries(Object.entries(details).filter(([, c]) => c.status === 'up'));
    const down = Object.fromEntries(Object.entries(details).filter(([, c]) => c.status !== 'up'));
    send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'error', info: up, error: down, details });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    })
    .end(JSON.stringify(body));
}
