import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvironmentVariables } from './env.schema';

/** HMAC settings of a VAPI "HMAC" custom credential (see PROTOCOL.md §7.3). */
export interface HmacAuthConfig {
  secrets: Buffer[];
  algorithm: 'sha256' | 'sha512' | 'sha1';
  encoding: 'hex' | 'base64';
  signatureHeader: string;
  timestampHeader: string;
  signaturePrefix: string;
  payloadFormat: string;
  includeTimestamp: boolean;
  toleranceSeconds: number;
  /** `secrets` were given in base64 (VAPI_WEBHOOK_HMAC_SECRET_IS_BASE64). */
  secretIsBase64?: boolean;
}

/** The ways a webhook may authenticate; a request passes if any configured mode accepts it. */
export interface WebhookAuthConfig {
  legacySecrets: string[];
  bearer: { tokens: string[]; header: string; prefixEnabled: boolean };
  hmac: HmacAuthConfig;
}

/** One `host:port` of a Redis Sentinel or Cluster node. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: one server (`REDIS_URL`), a master found through Sentinel, or a Cluster. The
 * URL's scheme (TLS), user, password (and, outside a cluster, database) apply to all three.
 */
export type RedisTopology =
  | { kind: 'standalone' }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: RedisNode[] };

/** TLS settings for `rediss://`. */
export interface RedisTlsConfig {
  /** PEM of the CA to trust instead of the system's (`REDIS_TLS_CA_FILE`). */
  ca?: Buffer;
  /** False skips certificate verification (`REDIS_TLS_INSECURE`). */
  rejectUnauthorized: boolean;
}

/** What intake does when the queue cannot take an event: the Postgres outbox. */
export interface OutboxConfig {
  /** Bound on writing one event to the outbox (after the queue failed). */
  writeTimeoutMs: number;
  /** How often this process's relay looks for rows; 0: no relay in this process. */
  relayIntervalMs: number;
  relayBatchSize: number;
}

/** Typed, validated configuration shared by every app. Built once at boot by `loadConfig`. */
export interface AppConfig {
  env: EnvironmentVariables['NODE_ENV'];
  http: { port: number; host: string; bodyLimitBytes: number; shutdownDrainMs: number };
  database: { url: string; poolSize: number };
  redis: {
    url: string;
    prefix: string;
    enqueueTimeoutMs: number;
    topology: RedisTopology;
    /** Set when `REDIS_URL` is `rediss://`. */
    tls?: RedisTlsConfig;
  };
  outbox: OutboxConfig;
  /** The queue backend (one seam: `@app/queue` builds every queue and worker from this). */
  queue: { backend: 'redis' | 'postgres' };
  /**
   * The embedded PostgreSQL of a zero-config `npm start`: `enabled` when neither DATABASE_URL
   * nor REDIS_URL is set (the CLI then starts it and hands its URL to the apps).
   */
  embedded: { enabled: boolean; dataDir: string };
  auth: WebhookAuthConfig;
  vapi: {
    defaultAssistantId?: string;
    assistantRequestError: string;
    transferDestinationNumber?: string;
    transferMessage?: string;
    apiKey?: string;
    apiUrl: string;
    apiTimeoutMs: number;
    /** Requests in flight at once, per process. */
    apiConcurrency: number;
    /** Retries after a 429 (honouring Retry-After) or, for reads, a 5xx. */
    apiRetries: number;
  };
  worker: {
    eventsConcurrency: number;
    /** Call-event batches: at most `eventsBatchSize` jobs, cut `eventsBatchMs` after the first. */
    eventsBatchSize: number;
    eventsBatchMs: number;
    /** Call-event batches running at once (the next one grows meanwhile). */
    eventsBatchesInFlight: number;
    transcriptsConcurrency: number;
    recordingsConcurrency: number;
    attempts: number;
    backoffMs: number;
    healthPort: number;
  };
  recordings: { dir: string; downloadTimeoutMs: number; attempts: number; backoffMs: number };
  retention: { payloadDays: number; intervalMinutes: number };
  /** Recovery of missed end-of-call reports through VAPI's REST API (needs `vapi.apiKey`). */
  reconcile: {
    intervalMinutes: number;
    staleMinutes: number;
    /** Seconds between sweeps of recently changed calls; 0 = no sweep. */
    sweepIntervalSeconds: number;
    /** Seconds a call must be unchanged at VAPI before the sweep acts on it. */
    settleSeconds: number;
  };
  /** Bearer tokens accepted by the read API; empty means the read API is open. */
  readApiTokens: string[];
  /** Tenant credentials and read tokens kept in the database. */
  tenancy: {
    /** AES-256-GCM keys for stored HMAC secrets (`SECRETS_KEY`); the first encrypts. */
    secretsKeys: Buffer[];
    /** How long an api process caches tenants, credentials and read tokens. */
    authCacheSeconds: number;
  };
  /** Live streams of call changes (SSE) and the tickets browsers open them with. */
  stream: {
    heartbeatMs: number;
    resumeLimit: number;
    maxBufferedBytes: number;
    ticketTtlMs: number;
  };
  admin?: { username: string; password: string };
  log: { level: string; pretty: boolean };
}

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {}

/** Splits a comma-separated list of secrets (several may be active during a rotation). */
const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function loadConfig(raw: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset" so that `FOO=` in a compose file falls back to the default.
  const defined = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = plainToInstance(EnvironmentVariables, defined, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `${e.property}=${JSON.stringify(raw[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }

  const hmacSecrets = list(env.VAPI_WEBHOOK_HMAC_SECRET).map((s) =>
    env.VAPI_WEBHOOK_HMAC_SECRET_IS_BASE64 ? Buffer.from(s, 'base64') : Buffer.from(s, 'utf8'),
  );
  const admin =
    env.ADMIN_USERNAME && env.ADMIN_PASSWORD
      ? { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD }
      : undefined;

  return {
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: {
      url: env.REDIS_URL,
      prefix: env.QUEUE_PREFIX,
      enqueueTimeoutMs: env.WEBHOOK_ENQUEUE_TIMEOUT_MS,
      topology: redisTopology(env),
      tls: redisTls(env),
    },
    outbox: {
      writeTimeoutMs: env.WEBHOOK_OUTBOX_TIMEOUT_MS,
      relayIntervalMs: env.OUTBOX_RELAY_INTERVAL_MS,
      relayBatchSize: env.OUTBOX_RELAY_BATCH_SIZE,
    },
    queue: { backend: env.QUEUE_BACKEND ?? (defined.REDIS_URL ? 'redis' : 'postgres') },
    embedded: { enabled: !defined.DATABASE_URL && !defined.REDIS_URL, dataDir: env.DATA_DIR },
    auth: {
      legacySecrets: list(env.VAPI_WEBHOOK_SECRET),
      bearer: {
        tokens: list(env.VAPI_WEBHOOK_BEARER_TOKEN),
        header: env.VAPI_WEBHOOK_BEARER_HEADER.toLowerCase(),
        prefixEnabled: env.VAPI_WEBHOOK_BEARER_PREFIX_ENABLED,
      },
      hmac: {
        secrets: hmacSecrets,
        algorithm: env.VAPI_WEBHOOK_HMAC_ALGORITHM,
        encoding: env.VAPI_WEBHOOK_HMAC_ENCODING,
        signatureHeader: env.VAPI_WEBHOOK_HMAC_SIGNATURE_HEADER.toLowerCase(),
        timestampHeader: env.VAPI_WEBHOOK_HMAC_TIMESTAMP_HEADER.toLowerCase(),
        signaturePrefix: env.VAPI_WEBHOOK_HMAC_SIGNATURE_PREFIX,
        payloadFormat:
          env.VAPI_WEBHOOK_HMAC_PAYLOAD_FORMAT ??
          (env.VAPI_WEBHOOK_HMAC_INCLUDE_TIMESTAMP ? '{timestamp}.{body}' : '{body}'),
        includeTimestamp: env.VAPI_WEBHOOK_HMAC_INCLUDE_TIMESTAMP,
        toleranceSeconds: env.VAPI_WEBHOOK_HMAC_TOLERANCE_SECONDS,
        secretIsBase64: env.VAPI_WEBHOOK_HMAC_SECRET_IS_BASE64,
      },
    },
    vapi: {
      defaultAssistantId: env.VAPI_DEFAULT_ASSISTANT_ID,
      assistantRequestError: env.VAPI_ASSISTANT_REQUEST_ERROR,
      transferDestinationNumber: env.VAPI_TRANSFER_DESTINATION_NUMBER,
      transferMessage: env.VAPI_TRANSFER_MESSAGE,
      apiKey: env.VAPI_API_KEY,
      apiUrl: env.VAPI_API_URL,
      apiTimeoutMs: env.VAPI_API_TIMEOUT_MS,
      apiConcurrency: env.VAPI_API_CONCURRENCY,
      apiRetries: env.VAPI_API_RETRIES,
    },
    worker: {
      eventsConcurrency: env.WORKER_EVENTS_CONCURRENCY,
      eventsBatchSize: env.WORKER_EVENTS_BATCH_SIZE,
      eventsBatchMs: env.WORKER_EVENTS_BATCH_MS,
      eventsBatchesInFlight: env.WORKER_EVENTS_BATCHES_IN_FLIGHT,
      transcriptsConcurrency: env.WORKER_TRANSCRIPTS_CONCURRENCY,
      recordingsConcurrency: env.WORKER_RECORDINGS_CONCURRENCY,
      attempts: env.WORKER_JOB_ATTEMPTS,
      backoffMs: env.WORKER_BACKOFF_MS,
      healthPort: env.WORKER_HEALTH_PORT,
    },
    recordings: {
      dir: env.RECORDINGS_DIR,
      downloadTimeoutMs: env.RECORDINGS_DOWNLOAD_TIMEOUT_MS,
      attempts: env.RECORDINGS_ATTEMPTS,
      backoffMs: env.RECORDINGS_BACKOFF_MS,
    },
    retention: {
      payloadDays: env.RETENTION_PAYLOAD_DAYS,
      intervalMinutes: env.RETENTION_INTERVAL_MINUTES,
    },
    reconcile: {
      intervalMinutes: env.RECONCILE_INTERVAL_MINUTES,
      staleMinutes: env.RECONCILE_STALE_MINUTES,
      sweepIntervalSeconds: env.RECONCILE_SWEEP_INTERVAL_SECONDS,
      settleSeconds: env.RECONCILE_SETTLE_SECONDS,
    },
    readApiTokens: list(env.API_TOKENS),
    tenancy: {
      secretsKeys: list(env.SECRETS_KEY).map(parseSecretsKey),
      authCacheSeconds: env.AUTH_CACHE_SECONDS,
    },
    stream: {
      heartbeatMs: env.STREAM_HEARTBEAT_SECONDS * 1000,
      resumeLimit: env.STREAM_RESUME_LIMIT,
      maxBufferedBytes: env.STREAM_MAX_BUFFERED_BYTES,
      ticketTtlMs: env.STREAM_TICKET_SECONDS * 1000,
    },
    admin,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ?? env.NODE_ENV === 'development' },
  };
}

/** `host:port,host:port` (already checked by the schema) as nodes. */
function redisNodes(value: string): RedisNode[] {
  return list(value).map((entry) => {
    const at = entry.lastIndexOf(':');
    return {
      host: entry.slice(0, at).replace(/^\[(.*)\]$/, '$1'),
      port: Number(entry.slice(at + 1)),
    };
  });
}

function redisTopology(env: EnvironmentVariables): RedisTopology {
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError(
      'Invalid environment:\n  REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: a Redis deployment is either Sentinel or Cluster; unset one',
    );
  }
  if (env.REDIS_CLUSTER_NODES !== undefined) {
    return { kind: 'cluster', nodes: redisNodes(env.REDIS_CLUSTER_NODES) };
  }
  if (env.REDIS_SENTINELS !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: redisNodes(env.REDIS_SENTINELS),
      name: env.REDIS_SENTINEL_NAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    };
  }
  return { kind: 'standalone' };
}

/** TLS options of a `rediss://` URL; the CA file is read now so a bad path fails the boot. */
function redisTls(env: EnvironmentVariables): RedisTlsConfig | undefined {
  if (!env.REDIS_URL.toLowerCase().startsWith('rediss://')) {
    if (env.REDIS_TLS_CA_FILE !== undefined) {
      throw new ConfigError(
        'Invalid environment:\n  REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss://: use rediss:// to connect with TLS',
      );
    }
    return undefined;
  }
  let ca: Buffer | undefined;
  if (env.REDIS_TLS_CA_FILE !== undefined) {
    try {
      ca = readFileSync(env.REDIS_TLS_CA_FILE);
    } catch (error) {
      throw new ConfigError(
        `Invalid environment:\n  REDIS_TLS_CA_FILE=${JSON.stringify(env.REDIS_TLS_CA_FILE)}: cannot read it (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  return { ca, rejectUnauthorized: !env.REDIS_TLS_INSECURE };
}

/**
 * One `SECRETS_KEY` entry: 32 bytes as 64 hex characters or as base64 (standard or URL-safe).
 * The error never repeats the value: it is a secret.
 */
function parseSecretsKey(value: string, index: number): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    if (key.length === 32) return key;
  }
  throw new ConfigError(
    `Invalid environment:\n  SECRETS_KEY: entry ${index + 1} is not 32 bytes written as 64 hex characters or 44 base64 characters (generate one with \`openssl rand -base64 32\`)`,
  );
}

/** True when at least one webhook authentication mode has a secret. */
export function hasWebhookAuth(config: AppConfig): boolean {
  const { legacySecrets, bearer, hmac } = config.auth;
  return legacySecrets.length + bearer.tokens.length + hmac.secrets.length > 0;
}
