import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

const MAX_DELAY_MS = 10_000;

/**
 * Connects the DataSource after boot, retrying with backoff, for apps that must run while
 * Postgres is down: the api keeps taking webhooks (they only need Redis) and its read API
 * answers 503 until the connection is up.
 */
@Injectable()
export class BackgroundConnector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private attempt?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.attempt = this.connect(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async connect(failures: number): Promise<void> {
    if (this.stopped || this.dataSource.isInitialized) return;
    try {
      await this.dataSource.initialize();
      if (failures > 0) this.logger.log('connected to Postgres');
      if (this.stopped) await this.dataSource.destroy();
    } catch (error) {
      const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** failures);
      this.logger.error(
        `cannot connect to Postgres (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
      );
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.attempt = this.connect(failures + 1);
      }, delay);
    }
  }
}
