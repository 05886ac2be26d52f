import { ClientRequest, IncomingMessage, request } from 'node:http';

/** One server-sent event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A minimal EventSource over node:http for tests and the bench: collects events (and comment
 * lines) as they arrive and lets a test wait for a condition. No reconnection: a test says
 * where to resume with `Last-Event-ID` itself.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  ended = false;
  /** False: events are only passed to `onEvent`, not kept (long bench runs). */
  keepEvents = true;
  /** Called with each event as it is parsed (the bench times deliveries here). */
  onEvent?: (event: SseEvent) => void;
  private req?: ClientRequest;
  private res?: IncomingMessage;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private body = '';

  private constructor(private readonly url: string) {}

  /** Opens the stream and resolves once the response headers are in. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient(url);
    return new Promise((resolve, reject) => {
      client.req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.res = res;
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('end', () => client.finish());
        res.on('close', () => client.finish());
        res.on('error', () => client.finish());
        resolve(client);
      });
      client.req.on('error', (error) => {
        if (client.res === undefined) reject(error);
        else client.finish();
      });
      client.req.end();
    });
  }

  /** The body of a response that was not a stream (an error). */
  get text(): string {
    return this.body;
  }

  /** Stops reading from the socket (a slow client) or resumes. */
  pause(): void {
    this.res?.pause();
  }

  close(): void {
    this.req?.destroy();
    this.finish();
  }

  /** Waits until `predicate` holds over what arrived, or fails after `timeoutMs`. */
  async waitFor(
    predicate: (c: SseClient) => boolean,
    timeoutMs = 20_000,
    what = 'events',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what} on ${this.url}; got ${JSON.stringify(this.events.map((e) => [e.id, e.event]))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events other than `ready`. */
  changes(): SseEvent[] {
    return this.events.filter((e) => e.event !== 'ready');
  }

  private feed(chunk: string): void {
    if (
      this.status !== 200 ||
      !String(this.headers['content-type']).startsWith('text/event-stream')
    ) {
      this.body += chunk;
      return;
    }
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { event: 'message', data: '' };
      let isEvent = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data')
          event.data = event.data === '' ? value : `${event.data}\n${value}`;
        else continue;
        isEvent = true;
      }
      if (isEvent && (event.data !== '' || event.event !== 'message')) {
        if (this.keepEvents) this.events.push(event);
        this.onEvent?.(event);
      }
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
