import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CALL_CHANGES_CHANNEL, CallChangesRepository, splitTenantKey } from '@app/database';
import { MetricsRegistry } from '@app/observability';

/** What a stream shows: one call, or every call (optionally narrowed by status or assistant). */
export interface StreamFilter {
  /** The stored key of the call (tenant-prefixed, see `tenantKey`). */
  callId?: string;
  /** Only this tenant's calls (all-calls stream); undefined: every tenant's. */
  tenant?: string;
  status?: string;
  assistantId?: string;
  /** False when the reader's scope sees none of the calls (the stream stays open, silent). */
  visible: boolean;
}

/** A change of the feed, serialised once for every subscriber. */
interface FeedChange {
  position: bigint;
  /** The stored key. */
  callId: string;
  tenantId: string;
  /** The call's status and assistant at that change (only when a filtered stream needs them). */
  status?: string | null;
  assistantId?: string | null;
  frame: string;
}

interface Subscriber {
  filter: StreamFilter;
  res: ServerResponse;
  /** Highest position written: positions only ever increase on a stream, never repeat. */
  lastSent: bigint;
  /** Live changes held while a resume replays the feed; null once live. */
  held: FeedChange[] | null;
  closed: boolean;
}

/** A row of `call_changes` as read for a stream. */
interface ChangeRow {
  id: string;
  call_id: string;
  kind: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The members of a `pg` client used here (`pg` ships no types; @types/pg is not a dependency). */
interface PgClient {
  connect(): Promise<void>;
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'notification' | 'end', listener: () => void): this;
}

type PgClientClass = new (options: {
  connectionString: string;
  application_name: string;
}) => PgClient;

const READ_BATCH = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * Fan-out of the change feed to the SSE streams of this api process. One Postgres connection
 * per process LISTENs on `call_changes` (the worker's commits notify it, whatever queue backend
 * runs); each notification makes the hub read the rows after the last position it dispatched,
 * in position order, and write each one, serialised once, to every matching stream. Writers
 * commit in position order (see `CallChangesRepository.append`), so reading by position never
 * skips a change. A stream whose unsent output passes `STREAM_MAX_BUFFERED_BYTES` is closed.
 */
@Injectable()
export class CallStreamHub
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(CallStreamHub.name);
  private client: PgClient | null = null;
  /** Last position dispatched; null until the first connection read it. */
  private position: bigint | null = null;
  private readonly byCall = new Map<string, Set<Subscriber>>();
  private readonly allCalls = new Set<Subscriber>();
  private filteredAllCalls = 0;
  private draining = false;
  private drainAgain = false;
  private stopped = false;
  private heartbeat?: NodeJS.Timeout;
  private readonly dropped: Counter<'reason'>;
  private readonly rowsRead: Counter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly changes: CallChangesRepository,
    registry: MetricsRegistry,
  ) {
    const count = (): number => this.subscriberCount;
    new Gauge({
      name: 'vapi_stream_subscribers',
      help: 'Open live streams (SSE) on this api process.',
      registers: [registry],
      collect() {
        this.set(count());
      },
    });
    this.dropped = new Counter({
      name: 'vapi_stream_dropped_total',
      help: 'Live streams closed by the server, by reason (slow: unsent output over the bound).',
      labelNames: ['reason'],
      registers: [registry],
    });
    const position = (): number => Number(this.position ?? 0n);
    new Gauge({
      name: 'vapi_stream_feed_position',
      help: 'Change-feed position this process has followed to (compare with the newest change).',
      registers: [registry],
      collect() {
        this.set(position());
      },
    });
    this.rowsRead = new Counter({
      name: 'vapi_stream_feed_rows_read_total',
      help: 'Change-feed rows this process read to dispatch them (none while no stream is open).',
      registers: [registry],
    });
  }

  onModuleInit(): void {
    void this.connect();
    this.heartbeat = setInterval(() => this.beat(), this.config.stream.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Open streams on this process. */
  get subscriberCount(): number {
    let n = this.allCalls.size;
    for (const set of this.byCall.values()) n += set.size;
    return n;
  }

  /** True once the feed is being followed (a stream can then start). */
  get ready(): boolean {
    return this.client !== null && this.position !== null && !this.stopped;
  }

  /**
   * Starts a stream on `res` (headers already sent). Without `lastEventId` it begins with a
   * `ready` event whose id is the current position; with one it replays what came after it
   * (at most `STREAM_RESUME_LIMIT` changes, else a `reset` event: re-read the call), then goes live.
   */
  async subscribe(res: ServerResponse, filter: StreamFilter, lastEventId?: string): Promise<void> {
    if (this.position === null) throw new Error('the change feed is not followed yet');
    const now = this.position;
    const sub: Subscriber = {
      filter,
      res,
      lastSent: now,
      held: lastEventId === undefined ? null : [],
      closed: false,
    };
    this.add(sub);
    res.on('close', () => this.remove(sub));
    this.write(sub, 'retry: 2000\n\n');
    if (lastEventId === undefined) {
      this.write(sub, frame('ready', now, { position: String(now) }));
      return;
    }

    const from = /^\d{1,19}$/.test(lastEventId) ? BigInt(lastEventId) : null;
    const limit = this.config.stream.resumeLimit;
    let rows: ChangeRow[] = [];
    let reset: string | null = null;
    if (from === null || from > now) {
      reset = 'Last-Event-ID is not a position of this feed';
    } else if (filter.visible) {
      const found = await this.changes.listAfter(String(from), limit + 1, {
        callId: filter.callId,
        tenantId: filter.tenant,
      });
      if (found.length > limit) reset = `more than ${limit} changes were missed`;
      rows = found.map((c) => ({
        id: c.id,
        call_id: c.callId,
        kind: c.kind,
        data: c.data,
        created_at: c.createdAt,
      }));
    }
    if (sub.closed) return;
    if (reset !== null) {
      // The client re-reads the call (or list) and follows on from here.
      sub.lastSent = now;
      this.write(sub, frame('reset', now, { position: String(now), reason: reset }));
    } else {
      sub.lastSent = from!;
      const replay = rows.map(toChange);
      if (this.needsCallInfo(filter)) await this.attachCallInfo(replay, 'pool');
      for (const change of replay) this.deliver(sub, change);
      if (sub.lastSent < now) sub.lastSent = now;
    }
    const held = sub.held ?? [];
    sub.held = null;
    for (const change of held) this.deliver(sub, change);
    this.write(
      sub,
      `event: ready\ndata: ${JSON.stringify({ position: String(sub.lastSent) })}\n\n`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Open streams would hold the HTTP server open: end them; EventSource reconnects elsewhere.
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const sub of [...this.allCalls, ...[...this.byCall.values()].flatMap((s) => [...s])]) {
      sub.res.end();
      this.remove(sub);
    }
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  /** Connects, LISTENs and catches up, retrying with backoff until it works or the app stops. */
  private async connect(): Promise<void> {
    let wait = 250;
    while (!this.stopped) {
      // The `pg` module TypeORM loaded for its own pool: one copy, one version.
      const { Client } = (
        this.dataSource.driver as unknown as { postgres: { Client: PgClientClass } }
      ).postgres;
      const client = new Client({
        connectionString: this.config.database.url,
        application_name: 'vapi-hooks-api-stream',
      });
      client.on('error', (error) => {
        this.logger.warn(`change feed connection failed: ${error.message}`);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CALL_CHANGES_CHANNEL}`);
        if (this.position === null) {
          const { rows } = await client.query<{ id: string }>(
            'SELECT COALESCE(max(id), 0)::text AS id FROM call_changes',
          );
          this.position = BigInt(rows[0].id);
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        this.logger.warn(`cannot follow the change feed yet: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        wait = Math.min(wait * 2, RECONNECT_MAX_MS);
        continue;
      }
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      client.on('notification', () => void this.drain());
      client.on('end', () => {
        if (this.client !== client) return;
        this.client = null;
        if (!this.stopped) {
          this.logger.warn('change feed connection lost; reconnecting');
          void this.connect();
        }
      });
      this.client = client;
      // Whatever committed while no one listened.
      void this.drain();
      return;
    }
  }

  /** Reads and dispatches every change after the last position; coalesces notifications. */
  private async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        for (;;) {
          const client = this.client;
          if (client === null || this.position === null) return;
          if (this.subscriberCount === 0 && (await this.skipUnwatched(client))) break;
          const { rows } = await client.query<ChangeRow>(
            // Ordered by the bigint column, not the text alias ('10' < '9').
            `SELECT c.id::text AS id, c.call_id, c.kind, c.data, c.created_at FROM call_changes c
              WHERE c.id > $1 ORDER BY c.id LIMIT ${READ_BATCH}`,
            [String(this.position)],
          );
          if (rows.length === 0) {
            await this.noticeRestart(client);
            break;
          }
          this.rowsRead.inc(rows.length);
          const changes = rows.map(toChange);
          if (this.filteredAllCalls > 0) await this.attachCallInfo(changes, 'listener');
          this.position = changes[changes.length - 1].position;
          this.dispatch(changes);
          if (rows.length < READ_BATCH) break;
        }
      } while (this.drainAgain);
    } catch (error) {
      // The connection's `end` handler reconnects; the next drain resumes from `position`.
      this.logger.warn(`reading the change feed failed: ${(error as Error).message}`);
    } finally {
      this.draining = false;
    }
  }

  /**
   * With no stream open, nothing needs the rows: the hub moves its position to the feed's end
   * instead of reading and parsing every change (at 1,000 events/s on the bench, reading them
   * was about 5 % of an api process's CPU). A stream that opened while the end was being read
   * started at the old position, so then the rows are read after all. Returns true when the
   * position moved without reading.
   */
  private async skipUnwatched(client: PgClient): Promise<boolean> {
    const { rows } = await client.query<{ id: string }>(
      'SELECT COALESCE(max(id), 0)::text AS id FROM call_changes',
    );
    if (this.subscriberCount > 0 || this.position === null) return false;
    const latest = BigInt(rows[0].id);
    if (latest < this.position) this.warnRestart(latest);
    this.position = latest;
    return true;
  }

  /**
   * A notification with nothing after our position: the feed may have been emptied and its
   * numbering restarted (TRUNCATE … RESTART IDENTITY in tests and benches). Follow from its
   * new end, or every later change would sit below our position, unseen.
   */
  private async noticeRestart(client: PgClient): Promise<void> {
    const { rows } = await client.query<{ id: string }>(
      'SELECT COALESCE(max(id), 0)::text AS id FROM call_changes',
    );
    const latest = BigInt(rows[0].id);
    if (this.position !== null && latest < this.position) {
      this.warnRestart(latest);
      this.position = latest;
    }
  }

  private warnRestart(latest: bigint): void {
    this.logger.warn(
      `the change feed restarted at ${latest} (was at ${this.position}); following from there`,
    );
  }

  private dispatch(changes: readonly FeedChange[]): void {
    for (const change of changes) {
      const forCall = this.byCall.get(change.callId);
      if (forCall !== undefined) for (const sub of forCall) this.offer(sub, change);
      for (const sub of this.allCalls) this.offer(sub, change);
    }
  }

  private offer(sub: Subscriber, change: FeedChange): void {
    if (sub.held !== null) sub.held.push(change);
    else this.deliver(sub, change);
  }

  private deliver(sub: Subscriber, change: FeedChange): void {
    if (change.position <= sub.lastSent) return;
    sub.lastSent = change.position;
    if (!matches(sub.filter, change)) return;
    this.write(sub, change.frame);
  }

  private write(sub: Subscriber, text: string): void {
    if (sub.closed) return;
    sub.res.write(text);
    if (sub.res.writableLength > this.config.stream.maxBufferedBytes) {
      this.dropped.inc({ reason: 'slow' });
      this.remove(sub);
      sub.res.destroy();
    }
  }

  private beat(): void {
    for (const sub of this.allCalls) this.write(sub, ': heartbeat\n\n');
    for (const set of this.byCall.values())
      for (const sub of set) this.write(sub, ': heartbeat\n\n');
  }

  private needsCallInfo(filter: StreamFilter): boolean {
    return (
      filter.callId === undefined &&
      (filter.status !== undefined || filter.assistantId !== undefined)
    );
  }

  /** Adds each change's call status and assistant (status changes carry their own status). */
  private async attachCallInfo(changes: FeedChange[], via: 'listener' | 'pool'): Promise<void> {
    const ids = [...new Set(changes.map((c) => c.callId))];
    const sql = 'SELECT id, status, assistant_id FROM calls WHERE id = ANY($1)';
    const rows =
      via === 'listener' && this.client !== null
        ? (await this.client.query<CallInfoRow>(sql, [ids])).rows
        : await this.dataSource.query<CallInfoRow[]>(sql, [ids]);
    const info = new Map(rows.map((r) => [r.id, r]));
    for (const change of changes) {
      const row = info.get(change.callId);
      change.status ??= row?.status ?? null;
      change.assistantId = row?.assistant_id ?? null;
    }
  }

  private add(sub: Subscriber): void {
    const { callId } = sub.filter;
    if (callId === undefined) {
      this.allCalls.add(sub);
      if (this.needsCallInfo(sub.filter)) this.filteredAllCalls++;
      return;
    }
    let set = this.byCall.get(callId);
    if (set === undefined) this.byCall.set(callId, (set = new Set()));
    set.add(sub);
  }

  private remove(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    const { callId } = sub.filter;
    if (callId === undefined) {
      this.allCalls.delete(sub);
      if (this.needsCallInfo(sub.filter)) this.filteredAllCalls--;
      return;
    }
    const set = this.byCall.get(callId);
    set?.delete(sub);
    if (set?.size === 0) this.byCall.delete(callId);
  }
}

interface CallInfoRow {
  id: string;
  status: string | null;
  assistant_id: string | null;
}

function toChange(row: ChangeRow): FeedChange {
  const position = BigInt(row.id);
  const { tenantId, localId } = splitTenantKey(row.call_id);
  const status = row.kind === 'status' ? (row.data.status as string | null | undefined) : undefined;
  return {
    position,
    callId: row.call_id,
    tenantId,
    status: status ?? undefined,
    frame: frame(row.kind, position, {
      position: row.id,
      // VAPI's id, as the read API shows it, and the tenant it belongs to.
      callId: localId,
      tenantId,
      kind: row.kind,
      at: new Date(row.created_at).toISOString(),
      data: row.data,
    }),
  };
}

/** One SSE event. JSON never contains a raw newline, so `data` is a single line. */
function frame(event: string, id: bigint, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function matches(filter: StreamFilter, change: FeedChange): boolean {
  if (!filter.visible) return false;
  if (filter.callId !== undefined) return change.callId === filter.callId;
  if (filter.tenant !== undefined && change.tenantId !== filter.tenant) return false;
  if (filter.status !== undefined && change.status !== filter.status) return false;
  if (filter.assistantId !== undefined && change.assistantId !== filter.assistantId) return false;
  return true;
}
