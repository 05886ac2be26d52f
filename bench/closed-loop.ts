import { Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A lean closed-loop HTTP/1.1 load generator: `connections` keep-alive sockets, each sending
 * its next request as soon as the previous answer is complete. It exists because on a 2-core
 * machine the generator shares the CPU with the servers it measures, and autocannon re-encodes
 * every request whose body changes (here: every one, since each carries a new call id and
 * signature). Requests go out as header + body buffers (writev, no copy); responses are parsed
 * only as far as the status code and the body length.
 */

/** One request to send: extra header lines and the body. */
export interface ClosedLoopRequest {
  headers: Record<string, string>;
  body: Buffer;
}

/** What a run measured. */
export interface ClosedLoopResult {
  /** 2xx answers per second over the run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Latency (ms) of every answered request. */
  latencies: Float64Array;
  seconds: number;
}

/** Options of `closedLoop`. */
export interface ClosedLoopOptions {
  port: number;
  path: string;
  connections: number;
  durationMs: number;
  next: () => ClosedLoopRequest;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Runs the load for `durationMs` and reports throughput and latencies. */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const lane = (): Promise<void> =>
    new Promise((resolve) => {
      let socket: Socket;
      let buffered: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let expected = -1;
      let status = 0;
      let closeAfter = false;
      let finished = false;

      const send = (): void => {
        if (performance.now() >= deadline) {
          finished = true;
          socket.end();
          resolve();
          return;
        }
        const request = options.next();
        const head =
          `POST ${options.path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
          `content-length: ${request.body.length}\r\n` +
          Object.entries(request.headers)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          '\r\n';
        sentAt = performance.now();
        socket.cork();
        socket.write(head);
        socket.write(request.body);
        socket.uncork();
      };

      const open = (): void => {
        buffered = Buffer.alloc(0);
        expected = -1;
        const own = connect(options.port, '127.0.0.1');
        socket = own;
        own.setNoDelay(true);
        own.on('connect', send);
        own.on('data', (chunk: Buffer) => {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
          for (;;) {
            if (expected < 0) {
              const end = buffered.indexOf(HEADER_END);
              if (end < 0) return;
              const head = buffered.subarray(0, end).toString('latin1');
              status = Number(head.slice(9, 12));
              const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
              closeAfter = /\r\nconnection:\s*close/i.test(head);
              expected = end + 4 + (length ? Number(length[1]) : 0);
            }
            if (buffered.length < expected) return;
            latencies.push(performance.now() - sentAt);
            if (status >= 200 && status < 300) ok += 1;
            else non2xx += 1;
            buffered = buffered.subarray(expected);
            expected = -1;
            if (closeAfter) {
              own.destroy();
              open();
              return;
            }
            send();
          }
        });
        own.on('error', () => {
          errors += 1;
        });
        // A connection the server dropped is replaced (after its own close) until the deadline.
        own.on('close', () => {
          if (finished || own !== socket) return;
          errors += 1;
          if (performance.now() < deadline) {
            setTimeout(open, 10);
          } else {
            finished = true;
            resolve();
          }
        });
      };
      open();
    });

  await Promise.all(Array.from({ length: options.connections }, lane));
  const seconds = (performance.now() - started) / 1000;
  return {
    rps: ok / seconds,
    ok,
    non2xx,
    errors,
    latencies: Float64Array.from(latencies),
    seconds,
  };
}
