import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';

/**
 * Private Redis deployments for topology tests, started from the machine's `redis-server` on
 * loopback (free ports, a temp dir each): a three-master Cluster, a TLS server, a master behind
 * a Sentinel. Each `stop()` ends only the processes it started and removes its dir.
 */

const EPHEMERAL = ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];

/** Why a Redis topology test cannot run here, or undefined when it can. */
export function redisServerMissing(): string | undefined {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    execFileSync('redis-cli', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'redis-server and redis-cli are not on the PATH (install the redis-server package)';
  }
}

/** Why a TLS test cannot run here (no openssl, or a redis-server built without TLS). */
export function redisTlsMissing(): string | undefined {
  const missing = redisServerMissing();
  if (missing !== undefined) return missing;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'openssl is not on the PATH (needed to make a test certificate)';
  }
  // A build without TLS refuses the tls-port directive ("Bad directive"); one with TLS accepts
  // it and exits only because, on port 0 both ways, it has nowhere to listen.
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', ...EPHEMERAL], {
    timeout: 5000,
    encoding: 'utf8',
  });
  if (/Bad directive/i.test(`${probe.stdout}${probe.stderr}`)) {
    return 'this redis-server was built without TLS (it refuses --tls-port)';
  }
  return undefined;
}

/** A loopback port that is free now, and (for a cluster bus) whose +10000 is free as well. */
async function freePort(withBus = false): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    if (!withBus) return port;
    if (port + 10000 > 65535) continue;
    if ((await listenOnce(port + 10000).catch(() => 0)) !== 0) return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: chosen } = server.address() as { port: number };
      server.close(() => resolve(chosen));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Redis processes started by one test, and their dir. */
class LocalRedis {
  protected readonly processes: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-redis-'));

  protected spawnServer(args: string[]): ChildProcess {
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: 'ignore' });
    this.processes.push(child);
    return child;
  }

  /** Stops the processes this object started (SIGTERM, then SIGKILL) and removes the dir. */
  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Redis Cluster of three masters (no replicas) on loopback. */
export class LocalRedisCluster extends LocalRedis {
  readonly ports: number[] = [];

  /** `REDIS_CLUSTER_NODES` for this cluster. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  static async start(masters = 3): Promise<LocalRedisCluster> {
    const cluster = new LocalRedisCluster();
    try {
      for (let i = 0; i < masters; i += 1) {
        const port = await freePort(true);
        cluster.ports.push(port);
        cluster.spawnServer([
          '--port',
          String(port),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          ...EPHEMERAL,
        ]);
      }
      for (const port of cluster.ports) await waitFor(() => ping(port), `redis ${port}`);
      execFileSync(
        'redis-cli',
        ['--cluster', 'create', ...cluster.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'],
        { stdio: 'ignore', timeout: 30_000 },
      );
      await waitFor(async () => {
        const states = await Promise.all(cluster.ports.map((p) => command(p, 'cluster', 'info')));
        return states.every((info) => String(info).includes('cluster_state:ok'));
      }, 'cluster state');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** A client of the cluster (the caller closes it). */
  client(): Cluster {
    return new Cluster(this.ports.map((port) => ({ host: '127.0.0.1', port })));
  }
}

/** A Redis that only speaks TLS, with a self-signed CA made for it. */
export class LocalTlsRedis extends LocalRedis {
  port = 0;
  /** PEM file of the CA that signed the server's certificate (for `REDIS_TLS_CA_FILE`). */
  get caFile(): string {
    return join(this.dir, 'ca.crt');
  }

  /** `REDIS_URL` for this server (the certificate names `localhost` and 127.0.0.1). */
  get url(): string {
    return `rediss://localhost:${this.port}`;
  }

  static async start(): Promise<LocalTlsRedis> {
    const redis = new LocalTlsRedis();
    try {
      const ssl = (...args: string[]) =>
        execFileSync('openssl', args, { cwd: redis.dir, stdio: 'ignore' });
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=vapi-hooks test CA',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
      );
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
      );
      writeFileSync(join(redis.dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
      ssl(
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        'san.ext',
        '-out',
        'server.crt',
      );
      redis.port = await freePort();
      redis.spawnServer([
        '--port',
        '0',
        '--tls-port',
        String(redis.port),
        '--tls-cert-file',
        'server.crt',
        '--tls-key-file',
        'server.key',
        '--tls-ca-cert-file',
        'ca.crt',
        '--tls-auth-clients',
        'no',
        ...EPHEMERAL,
      ]);
      await waitFor(async () => {
        const client = new Redis(redis.port, '127.0.0.1', {
          tls: { ca: readFileSync(redis.caFile), servername: 'localhost' },
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        client.on('error', () => undefined);
        try {
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      }, `tls redis ${redis.port}`);
      return redis;
    } catch (error) {
      await redis.stop();
      throw error;
    }
  }
}

/** A Redis master and one Sentinel monitoring it as `name`. */
export class LocalSentinelRedis extends LocalRedis {
  masterPort = 0;
  sentinelPort = 0;
  readonly name = 'vapi-hooks-test-master';

  /** `REDIS_SENTINELS` for this deployment. */
  get sentinels(): string {
    return `127.0.0.1:${this.sentinelPort}`;
  }

  static async start(): Promise<LocalSentinelRedis> {
    const redis = new LocalSentinelRedis();
    try {
      redis.masterPort = await freePort();
      redis.spawnServer(['--port', String(redis.masterPort), ...EPHEMERAL]);
      await waitFor(() => ping(redis.masterPort), `redis ${redis.masterPort}`);
      redis.sentinelPort = await freePort();
      // Sentinel rewrites its config file, so it gets one of its own in the temp dir.
      const conf = join(redis.dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${redis.sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${redis.dir}`,
          `sentinel monitor ${redis.name} 127.0.0.1 ${redis.masterPort} 1`,
          '',
        ].join('\n'),
      );
      redis.spawnServer([conf, '--sentinel']);
      await waitFor(async () => {
        const master = await command(
          redis.sentinelPort,
          'sentinel',
          'get-master-addr-by-name',
          redis.name,
        );
        return Array.isArray(master) && Number(master[1]) === redis.masterPort;
      }, `sentinel ${redis.sentinelPort}`);
      return redis;
    } catch (error) {
      await redis.stop();
      throw error;
    }
  }
}

async function command(port: number, name: string, ...args: string[]): Promise<unknown> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

async function ping(port: number): Promise<boolean> {
  return (await command(port, 'ping')) === 'PONG';
}
