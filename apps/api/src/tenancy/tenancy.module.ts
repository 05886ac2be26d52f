import { Global, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ReadTokensRepository, SecretBox, TenantsRepository } from '@app/database';
import { withTimeout } from '@app/observability';
import { ReadTokenAuthenticator } from './read-token-authenticator';
import { TenantWebhookAuth } from './tenant-webhook-auth';

/** Longest a credential or token lookup may hold a request up. */
const LOOKUP_TIMEOUT_MS = 2000;

/** Runs a lookup only when the api's background connection is up, and never for long. */
function lookup<T>(dataSource: DataSource, work: () => Promise<T>, what: string): Promise<T> {
  if (!dataSource.isInitialized) return Promise.reject(new Error('database not connected'));
  return withTimeout(work(), LOOKUP_TIMEOUT_MS, what);
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Authentication from the tenant registry: read tokens for the read API (`ReadTokenAuthenticator`)
 * and per-tenant webhook verifiers (`TenantWebhookAuth`, for `/api/webhook/vapi/:tenant`).
 * Global, so any module whose controllers use the read guard can resolve it.
 */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      useFactory: (config: AppConfig) => new SecretBox(config.tenancy.secretsKeys),
      inject: [APP_CONFIG],
    },
    {
      provide: ReadTokenAuthenticator,
      useFactory: (config: AppConfig, tokens: ReadTokensRepository, dataSource: DataSource) => {
        const logger = new Logger('ReadTokens');
        return new ReadTokenAuthenticator({
          envTokens: config.readApiTokens,
          production: config.env === 'production',
          cacheMs: config.tenancy.authCacheSeconds * 1000,
          store: {
            findForAuth: (id) =>
              lookup(dataSource, () => tokens.findForAuth(id), 'read token lookup'),
            countActive: (at) =>
              lookup(dataSource, () => tokens.countActive(at), 'read token count'),
            touch: (id, at) => lookup(dataSource, () => tokens.touch(id, at), 'read token use'),
          },
          onTouchError: (id, error) =>
            logger.warn(`could not record the use of read token ${id}: ${message(error)}`),
        });
      },
      inject: [APP_CONFIG, ReadTokensRepository, DataSource],
    },
    {
      provide: TenantWebhookAuth,
      useFactory: (
        config: AppConfig,
        box: SecretBox,
        tenants: TenantsRepository,
        dataSource: DataSource,
      ) => {
        const logger = new Logger('TenantAuth');
        return new TenantWebhookAuth({
          auth: config.auth,
          box,
          cacheMs: config.tenancy.authCacheSeconds * 1000,
          load: (id) =>
            lookup(dataSource, () => tenants.findWithActiveCredentials(id), 'tenant lookup'),
          log: {
            loaded: (tenantId, ids) =>
              logger.debug(
                `tenant ${tenantId}: ${ids.length} active webhook credential(s) ${ids.join(', ')}`,
              ),
            unusable: (tenantId, id, reason) =>
              logger.error(
                `tenant ${tenantId}: webhook credential ${id} cannot be used: ${reason}`,
              ),
            unavailable: (tenantId, error, stale) =>
              logger.warn(
                `tenant ${tenantId}: credentials cannot be read (${message(error)}); ${stale ? 'using the last ones read' : 'answering 503'}`,
              ),
          },
        });
      },
      inject: [APP_CONFIG, SecretBox, TenantsRepository, DataSource],
    },
  ],
  exports: [SecretBox, ReadTokenAuthenticator, TenantWebhookAuth],
})
export class TenancyModule {}
