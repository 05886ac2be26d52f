import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
} from 'class-validator';

// Reads the raw string: implicit conversion would already have turned "false" into true.
const toBool = ({ obj, key }: { obj: Record<string, unknown>; key: string }): unknown => {
  const value = obj[key];
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return value;
};

/** `host:port` pairs, comma-separated (IPv6 hosts in brackets). */
const HOST_PORT_LIST =
  /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}\s*)*$/;

/**
 * Every environment variable the apps read, with its default. README.md lists the same set;
 * keep them in step. Values arrive as strings; implicit conversion turns numbers into numbers.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 8000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** On SIGTERM, how long the api keeps serving (closing keep-alive connections) before it stops. */
  @IsInt()
  @Min(0)
  SHUTDOWN_DRAIN_MS: number = 2000;

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/vapi_hooks';

  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /**
   * Where the queues live: `redis` (REDIS_URL) or `postgres` (tables in the `bullmq` schema of
   * DATABASE_URL's database). Unset: `redis` when REDIS_URL is set, `postgres` otherwise.
   */
  @IsOptional()
  @IsIn(['redis', 'postgres'])
  QUEUE_BACKEND?: 'redis' | 'postgres';

  /**
   * Data of the embedded PostgreSQL that `npm start` runs when neither DATABASE_URL nor
   * REDIS_URL is set (kept across restarts).
   */
  @IsString()
  DATA_DIR: string = './data';

  /**
   * BullMQ key prefix: two deployments (or test runs) on one Redis stay apart by prefix. The
   * braces are a Redis Cluster hash tag: every key of every queue lands in one slot, which BullMQ
   * needs on a cluster, so moving to a cluster keeps the same keys.
   */
  @Matches(/^(\{[A-Za-z0-9_.-]+\}|[A-Za-z0-9_.-]+)$/, {
    message:
      'QUEUE_PREFIX may only contain letters, digits, _ . - (optionally inside one pair of {})',
  })
  QUEUE_PREFIX: string = '{vapi-hooks}';

  /** PEM file of the CA that signed the Redis server certificate (`rediss://` only). */
  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  /** `rediss://` without verifying the server certificate (test setups only). */
  @IsBoolean()
  @Transform(toBool)
  REDIS_TLS_INSECURE: boolean = false;

  /**
   * Sentinels to ask for the master (`host:port,host:port`); REDIS_URL then gives only the
   * scheme (TLS), user, password and database of the master.
   */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be host:port[,host:port...]' })
  REDIS_SENTINELS?: string;

  /** The master name the sentinels monitor (`sentinel monitor <name> ...`). */
  @IsString()
  REDIS_SENTINEL_NAME: string = 'mymaster';

  /** Password of the sentinels themselves (`requirepass` in sentinel.conf), if any. */
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /**
   * Seed nodes of a Redis Cluster (`host:port,host:port`); REDIS_URL then gives only the scheme
   * (TLS), user and password.
   */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be host:port[,host:port...]' })
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @IsString()
  VAPI_WEBHOOK_SECRET?: string;

  @IsOptional()
  @IsString()
  VAPI_WEBHOOK_BEARER_TOKEN?: string;

  @IsString()
  VAPI_WEBHOOK_BEARER_HEADER: string = 'authorization';

  @IsBoolean()
  @Transform(toBool)
  VAPI_WEBHOOK_BEARER_PREFIX_ENABLED: boolean = true;

  @IsOptional()
  @IsString()
  VAPI_WEBHOOK_HMAC_SECRET?: string;

  @IsIn(['sha256', 'sha512', 'sha1'])
  VAPI_WEBHOOK_HMAC_ALGORITHM: 'sha256' | 'sha512' | 'sha1' = 'sha256';

  @IsIn(['hex', 'base64'])
  VAPI_WEBHOOK_HMAC_ENCODING: 'hex' | 'base64' = 'hex';

  @IsString()
  VAPI_WEBHOOK_HMAC_SIGNATURE_HEADER: string = 'x-signature';

  @IsString()
  VAPI_WEBHOOK_HMAC_TIMESTAMP_HEADER: string = 'x-timestamp';

  @IsString()
  VAPI_WEBHOOK_HMAC_SIGNATURE_PREFIX: string = '';

  @IsOptional()
  @IsString()
  VAPI_WEBHOOK_HMAC_PAYLOAD_FORMAT?: string;

  @IsBoolean()
  @Transform(toBool)
  VAPI_WEBHOOK_HMAC_INCLUDE_TIMESTAMP: boolean = true;

  @IsBoolean()
  @Transform(toBool)
  VAPI_WEBHOOK_HMAC_SECRET_IS_BASE64: boolean = false;

  @IsInt()
  @Min(1)
  VAPI_WEBHOOK_HMAC_TOLERANCE_SECONDS: number = 300;

  @IsInt()
  @Min(1024)
  WEBHOOK_BODY_LIMIT_BYTES: number = 8 * 1024 * 1024;

  @IsInt()
  @Min(50)
  WEBHOOK_ENQUEUE_TIMEOUT_MS: number = 2000;

  /** How long intake waits for Postgres to take an event into the outbox when the queue cannot. */
  @IsInt()
  @Min(50)
  WEBHOOK_OUTBOX_TIMEOUT_MS: number = 1000;

  /** How often each api process moves outbox rows into the queue; 0 turns its relay off. */
  @IsInt()
  @Min(0)
  OUTBOX_RELAY_INTERVAL_MS: number = 1000;

  /** Outbox rows one relay claims and enqueues together. */
  @IsInt()
  @Min(1)
  @Max(5000)
  OUTBOX_RELAY_BATCH_SIZE: number = 500;

  @IsOptional()
  @IsString()
  VAPI_DEFAULT_ASSISTANT_ID?: string;

  @IsString()
  VAPI_ASSISTANT_REQUEST_ERROR: string =
    'Sorry, this number cannot take calls right now. Please try again later.';

  @IsOptional()
  @IsString()
  VAPI_TRANSFER_DESTINATION_NUMBER?: string;

  @IsOptional()
  @IsString()
  VAPI_TRANSFER_MESSAGE?: string;

  @IsOptional()
  @IsString()
  VAPI_API_KEY?: string;

  @IsUrl({ require_tld: false, require_protocol: true })
  VAPI_API_URL: string = 'https://api.vapi.ai';

  /** Longest wait for one VAPI REST API request (reconciliation). */
  @IsInt()
  @Min(100)
  VAPI_API_TIMEOUT_MS: number = 10_000;

  /** VAPI REST API requests in flight at once per process (sweep, lookups, CLI). */
  @IsInt()
  @Min(1)
  @Max(32)
  VAPI_API_CONCURRENCY: number = 4;

  /** Retries of one VAPI REST API request answered 429 (after its Retry-After) or, for reads, 5xx. */
  @IsInt()
  @Min(0)
  @Max(10)
  VAPI_API_RETRIES: number = 3;

  /** Call-event jobs held at once: at least a batch, so the next gathers while one commits. */
  @IsInt()
  @Min(1)
  @Max(2000)
  WORKER_EVENTS_CONCURRENCY: number = 400;

  /** Most call-event jobs applied in one transaction. */
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_EVENTS_BATCH_SIZE: number = 200;

  /** Longest wait (ms) for a batch to fill once its first job arrived. */
  @IsInt()
  @Min(0)
  @Max(1000)
  WORKER_EVENTS_BATCH_MS: number = 10;

  /**
   * Call-event batches applied at once per worker. While they run, the next batch keeps
   * growing (group commit), so batches get larger exactly when load is high.
   */
  @IsInt()
  @Min(1)
  @Max(16)
  WORKER_EVENTS_BATCHES_IN_FLIGHT: number = 2;

  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_TRANSCRIPTS_CONCURRENCY: number = 4;

  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_RECORDINGS_CONCURRENCY: number = 4;

  @IsInt()
  @Min(1)
  @Max(100)
  WORKER_JOB_ATTEMPTS: number = 10;

  @IsInt()
  @Min(1)
  WORKER_BACKOFF_MS: number = 1000;

  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_HEALTH_PORT: number = 8001;

  @IsString()
  RECORDINGS_DIR: string = './data/recordings';

  @IsInt()
  @Min(1000)
  RECORDINGS_DOWNLOAD_TIMEOUT_MS: number = 120_000;

  @IsInt()
  @Min(1)
  @Max(100)
  RECORDINGS_ATTEMPTS: number = 5;

  @IsInt()
  @Min(1)
  RECORDINGS_BACKOFF_MS: number = 5000;

  @IsInt()
  @Min(0)
  RETENTION_PAYLOAD_DAYS: number = 30;

  /** How often the worker purges expired payloads (when RETENTION_PAYLOAD_DAYS > 0). */
  @IsInt()
  @Min(1)
  RETENTION_INTERVAL_MINUTES: number = 60;

  /** How often the worker reconciles stale calls with VAPI (only when VAPI_API_KEY is set). */
  @IsInt()
  @Min(1)
  RECONCILE_INTERVAL_MINUTES: number = 15;

  /** A call not ended and not updated for this long is checked against VAPI's REST API. */
  @IsInt()
  @Min(1)
  RECONCILE_STALE_MINUTES: number = 30;

  /**
   * How often the worker sweeps `GET /call?updatedAtGt=<watermark>` for calls whose webhooks
   * were missed (only when VAPI_API_KEY is set); 0 turns the sweep off.
   */
  @IsInt()
  @Min(0)
  RECONCILE_SWEEP_INTERVAL_SECONDS: number = 60;

  /**
   * The sweep looks only at calls VAPI last changed at least this long ago, so a report still
   * on its way is not replaced by one built from the Call object.
   */
  @IsInt()
  @Min(0)
  RECONCILE_SETTLE_SECONDS: number = 30;

  /** Bearer tokens for the read API (comma-separated); unset leaves it open (with a warning). */
  @IsOptional()
  @IsString()
  API_TOKENS?: string;

  /**
   * Key(s) that encrypt stored HMAC webhook credentials (AES-256-GCM): 32 bytes, hex or base64,
   * comma-separated; the first encrypts, every one decrypts (key rotation). Checked in loadConfig.
   */
  @IsOptional()
  @IsString()
  SECRETS_KEY?: string;

  /** How long an api process trusts what it read about tenants, credentials and read tokens. */
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CACHE_SECONDS: number = 10;

  /** Live streams (SSE): seconds between heartbeat comments on every open stream. */
  @IsInt()
  @Min(1)
  @Max(300)
  STREAM_HEARTBEAT_SECONDS: number = 15;

  /** Most changes a stream replays on resume (`Last-Event-ID`); further behind gets a `reset`. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  STREAM_RESUME_LIMIT: number = 1000;

  /** A stream whose unsent output exceeds this many bytes is closed (a slow client). */
  @IsInt()
  @Min(4096)
  STREAM_MAX_BUFFERED_BYTES: number = 1024 * 1024;

  /** Lifetime of a stream ticket (the HTTP-only cookie a browser's EventSource presents). */
  @IsInt()
  @Min(1)
  @Max(3600)
  STREAM_TICKET_SECONDS: number = 60;

  @IsOptional()
  @IsString()
  ADMIN_USERNAME?: string;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsOptional()
  @IsBoolean()
  @Transform(toBool)
  LOG_PRETTY?: boolean;
}
