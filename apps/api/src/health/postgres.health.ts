import { Injectable } from '@nestjs/common';
import {
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * Terminus's TypeORM ping, with a reason when it cannot even try: the api connects to Postgres in
 * the background, so "not connected yet" is a normal state after boot or an outage.
 */
@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly health: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  async pingCheck<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    if (!this.dataSource.isInitialized) {
      return this.health.check(key).down({ message: 'not connected (retrying in the background)' });
    }
    return this.typeorm.pingCheck(key, { connection: this.dataSource, timeout: 1000 });
  }
}
