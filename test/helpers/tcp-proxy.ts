import { AddressInfo, Server, Socket, createServer } from 'node:net';

/**
 * How an outage looks to clients: `reset` closes every connection and refuses new ones at once
 * (the service is down); `blackhole` keeps connections open but silently drops all traffic (a
 * network partition: clients only notice through their own timeouts).
 */
export type OutageMode = 'reset' | 'blackhole';

/**
 * A loopback TCP proxy in front of a shared service (Postgres, Redis) that a test can cut and
 * restore, so a fault drill never has to stop the machine's real services. Point the app's
 * DATABASE_URL / REDIS_URL at `port` instead of the service's own port.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private outage: OutageMode | undefined;
  /** Connections accepted since the proxy started (useful to see that clients reconnected). */
  accepted = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts a proxy on a free loopback port, forwarding to `targetHost:targetPort`. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The loopback port clients should connect to. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** True while an outage is in effect. */
  get isCut(): boolean {
    return this.outage !== undefined;
  }

  /** Connections currently forwarded (or held, during a blackhole outage). */
  get openConnections(): number {
    return this.pairs.size;
  }

  /** Starts an outage; see `OutageMode`. */
  cut(mode: OutageMode = 'reset'): void {
    this.outage = mode;
    for (const pair of this.pairs) {
      if (mode === 'reset') {
        this.destroy(pair);
      } else {
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        // Keep reading so the peers' writes are swallowed rather than back-pressured.
        pair.client.on('data', noop);
        pair.upstream.on('data', noop);
      }
    }
  }

  /**
   * Ends the outage. Connections held by a blackhole are reset, as a real partition ends once
   * TCP gives up on them; clients reconnect through the proxy.
   */
  restore(): void {
    if (this.outage === 'blackhole') for (const pair of this.pairs) this.destroy(pair);
    this.outage = undefined;
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const pair of this.pairs) this.destroy(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    client.on('error', noop);
    if (this.outage === 'reset') {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.on('error', noop);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = (): void => this.destroy(pair);
    client.once('close', drop);
    upstream.once('close', drop);
    if (this.outage === 'blackhole') {
      client.on('data', noop);
      return;
    }
    upstream.connect(this.targetPort, this.targetHost, () => {
      if (this.outage !== undefined) return;
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  private destroy(pair: { client: Socket; upstream: Socket }): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

const noop = (): void => undefined;
