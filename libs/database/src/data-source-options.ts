import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@app/config';
import { CallChange } from './entities/call-change.entity';
import { CallEventRecord } from './entities/call-event-record.entity';
import { Call } from './entities/call.entity';
import { OutboxEntry } from './entities/outbox-entry.entity';
import { ReadToken } from './entities/read-token.entity';
import { ReconcileWatermark } from './entities/reconcile-watermark.entity';
import { Recording } from './entities/recording.entity';
import { Tenant } from './entities/tenant.entity';
import { TranscriptSegment } from './entities/transcript-segment.entity';
import { WebhookCredential } from './entities/webhook-credential.entity';

/** Every entity; the apps and the TypeORM CLI share this list. */
export const ENTITIES = [
  Call,
  CallEventRecord,
  TranscriptSegment,
  Recording,
  CallChange,
  Tenant,
  WebhookCredential,
  ReadToken,
  OutboxEntry,
  ReconcileWatermark,
];

/**
 * The one TypeORM configuration, for the apps (via `DatabaseModule`), the CLI and tests.
 * Migrations are loaded from `./migrations` next to this file: `.ts` under jest, `.js` when built.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.database.url,
    entities: ENTITIES,
    migrations: [`${__dirname}/migrations/*.{ts,js}`],
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: config.database.poolSize },
  };
}
