import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * On SIGTERM, keeps serving for `SHUTDOWN_DRAIN_MS` while telling every client to close its
 * keep-alive connection, before Nest closes the server. Without it, requests a client has
 * already written onto an idle keep-alive socket are reset when the server closes that socket:
 * VAPI would see a failed delivery for an event we never read.
 */
@Injectable()
export class ShutdownDrainService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private draining = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (_req, reply, payload, done) => {
      if (this.draining) void reply.header('connection', 'close');
      done(null, payload);
    });
  }

  /** True once a shutdown signal arrived; readiness reports it so balancers stop sending. */
  get isDraining(): boolean {
    return this.draining;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    // app.close() without a signal (tests, embedding) closes at once.
    if (!signal || this.config.http.shutdownDrainMs === 0) return;
    this.draining = true;
    this.logger.log(`${signal}: draining connections for ${this.config.http.shutdownDrainMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, this.config.http.shutdownDrainMs));
  }
}
