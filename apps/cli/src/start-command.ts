import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { AppConfig, loadConfig } from '@app/config';
import { EmbeddedDatabase, EmbeddedDatabaseError, runMigrations } from '@app/database';

/** Thrown for a problem the user fixes; the CLI prints its one-line message and exits 1. */
export class StartError extends Error {}

/**
 * `start`: migrate, then run the api and the worker as two processes, stopping both together.
 * With neither DATABASE_URL nor REDIS_URL set, everything runs on an embedded PostgreSQL in
 * DATA_DIR (queues included); it is stopped after the apps, on SIGINT/SIGTERM or when one dies.
 */
export async function runStart(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<number> {
  await assertPortsFree(config);
  if (!config.embedded.enabled) {
    await runMigrations(config);
    return startApps(env);
  }
  const database = await startEmbedded(config);
  try {
    const appEnv = { ...env, DATABASE_URL: database.url, QUEUE_BACKEND: 'postgres' };
    await runMigrations(loadConfig(appEnv));
    print(
      `vapi-hooks: running on an embedded PostgreSQL ${database.pgMajor} in ${shown(database.dataDir.path)} (127.0.0.1:${database.port}; queues in it too); ` +
        `for your own servers set DATABASE_URL (and REDIS_URL for Redis queues), see README "Local vs production"`,
    );
    return await startApps(appEnv);
  } finally {
    await database.stop();
  }
}

async function startEmbedded(config: AppConfig): Promise<EmbeddedDatabase> {
  try {
    return await EmbeddedDatabase.start(config.embedded.dataDir, embeddedLog(config));
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) throw new StartError(error.message);
    throw error;
  }
}

/**
 * For commands other than `start`: the config with DATABASE_URL pointed at the embedded server
 * (the running one, or one of its own) when nothing is configured; `release` stops what it
 * started.
 */
export async function withEmbeddedDatabase<T>(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  work: (config: AppConfig) => Promise<T>,
): Promise<T> {
  if (!config.embedded.enabled) return work(config);
  let database: EmbeddedDatabase;
  try {
    database = await EmbeddedDatabase.attachOrStart(config.embedded.dataDir, embeddedLog(config));
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) throw new StartError(error.message);
    throw error;
  }
  try {
    return await work(
      loadConfig({ ...env, DATABASE_URL: database.url, QUEUE_BACKEND: 'postgres' }),
    );
  } finally {
    await database.stop();
  }
}

/** The server's own log goes to stderr only at debug level: the one line says what matters. */
function embeddedLog(config: AppConfig): (line: string) => void {
  return ['debug', 'trace'].includes(config.log.level)
    ? (line) => process.stderr.write(`[postgres] ${line.trimEnd()}\n`)
    : () => undefined;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : `./${rel}`;
}

/** Fails before anything starts when the api's or the worker's port is taken. */
async function assertPortsFree(config: AppConfig): Promise<void> {
  const ports: [string, number][] = [
    ['PORT', config.http.port],
    ['WORKER_HEALTH_PORT', config.worker.healthPort],
  ];
  for (const [name, port] of ports) {
    if (port === 0) continue;
    const error = await tryListen(config.http.host, port);
    if (error === 'EADDRINUSE') {
      throw new StartError(
        `port ${port} (${name}) is already in use on ${config.http.host}: stop the program using it, or set ${name} to a free port`,
      );
    }
  }
}

function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** Runs the api and the worker; resolves with the worst exit code once both have exited. */
function startApps(env: NodeJS.ProcessEnv): Promise<number> {
  const apps = ['api', 'worker'];
  const children: ChildProcess[] = apps.map((name) =>
    spawn(process.execPath, [join(__dirname, '..', '..', name, 'src', 'main.js')], {
      stdio: 'inherit',
      env,
    }),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  const onSignal = (): void => stop();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return new Promise((resolve) => {
    let exited = 0;
    let worst = 0;
    children.forEach((child, i) => {
      child.on('exit', (code, signal) => {
        // Nest re-raises the signal after its shutdown hooks: dying of our own SIGTERM is clean.
        const clean = code === 0 || (stopping && signal === 'SIGTERM');
        if (!clean) console.error(`vapi-hooks: ${apps[i]} exited (${signal ?? `code ${code}`})`);
        worst = Math.max(worst, clean ? 0 : (code ?? 1));
        exited += 1;
        // One process dying takes the other down: a half-running service hides failures.
        stop();
        // The handlers stay: a second Ctrl-C must not cut short the embedded server's stop.
        if (exited === children.length) resolve(worst);
      });
    });
  });
}
