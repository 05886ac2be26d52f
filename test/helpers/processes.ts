import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The repository root, found from this file whether it runs from test/ or from a build. */
export const REPO_ROOT = findRepoRoot(__dirname);

/** Entry points of the built apps (`npm run build`). */
export const DIST_MAIN = {
  api: join(REPO_ROOT, 'dist/apps/api/src/main.js'),
  worker: join(REPO_ROOT, 'dist/apps/worker/src/main.js'),
  cli: join(REPO_ROOT, 'dist/apps/cli/src/main.js'),
} as const;

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Memory and CPU of one process, from /proc (Linux). */
export interface ProcStats {
  rssBytes: number;
  /** User + system CPU time since the process started. */
  cpuSeconds: number;
}

/** What `startProcess` needs. */
export interface StartOptions {
  /** A name for logs and errors, e.g. `api` or `worker-2`. */
  name: string;
  /** Script run with the current node binary. */
  script: string;
  args?: string[];
  /** Options for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** The complete environment (only PATH and HOME are inherited). */
  env: Record<string, string>;
  /** stdout and stderr go to `<logDir>/<name>.log` (appended, so restarts keep one file). */
  logDir: string;
  /** Polled until it answers 200; omitted means "do not wait". */
  healthUrl?: string;
  /** How long to wait for health before failing. */
  startTimeoutMs?: number;
}

/** A child process started by a test or the bench, with its log file. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  /** Undefined while running. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Sends a signal (no-op once exited). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Waits for the exit, failing after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo> {
    return withTimeout(this.exited, timeoutMs, `${this.name} did not exit within ${timeoutMs} ms`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The process's log so far. */
  logs(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** Current RSS and CPU time; undefined once the process is gone. */
  stats(): ProcStats | undefined {
    return this.running ? procStats(this.pid) : undefined;
  }
}

/** Spawns `node <script>` with its output in a log file, and waits for its health URL. */
export async function startProcess(options: StartOptions): Promise<ManagedProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          ...options.env,
        },
        stdio: ['ignore', fd, fd],
      },
    );
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  const managed = new ManagedProcess(options.name, child, logFile);
  if (options.healthUrl !== undefined) {
    try {
      await waitForHealth(managed, options.healthUrl, options.startTimeoutMs ?? 30_000);
    } catch (error) {
      managed.signal('SIGKILL');
      throw error;
    }
  }
  return managed;
}

/** Which built app to start. */
export type AppName = 'api' | 'worker';

/**
 * Starts a built app (`dist/apps/<app>/src/main.js`). The api is healthy once `/health/live`
 * answers on PORT; the worker once its health server answers on WORKER_HEALTH_PORT.
 */
export async function startApp(
  app: AppName,
  env: Record<string, string>,
  options: { logDir: string; name?: string; startTimeoutMs?: number; nodeArgs?: string[] },
): Promise<ManagedProcess> {
  const healthUrl =
    app === 'api'
      ? `http://127.0.0.1:${required(env, 'PORT')}/health/live`
      : `http://127.0.0.1:${required(env, 'WORKER_HEALTH_PORT')}/health`;
  return startProcess({
    name: options.name ?? app,
    script: DIST_MAIN[app],
    env,
    logDir: options.logDir,
    healthUrl,
    startTimeoutMs: options.startTimeoutMs,
    nodeArgs: options.nodeArgs,
  });
}

/** Runs the built CLI (e.g. `migrate`) to completion; rejects with its output on failure. */
export async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [DIST_MAIN.cli, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`cli ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** A TCP port that was free a moment ago on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** RSS and CPU time of any process by pid, read from /proc; undefined if it is gone. */
export function procStats(pid: number): ProcStats | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** GETs a URL on loopback and returns the status code (0 when the connection fails). */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function waitForHealth(proc: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) {
      throw new Error(
        `${proc.name} exited (${JSON.stringify(proc.exit)}) before it was healthy:\n${tail(proc.logs())}`,
      );
    }
    if ((await httpStatus(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(
    `${proc.name} was not healthy at ${url} within ${timeoutMs} ms:\n${tail(proc.logs())}`,
  );
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with `message` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const tail = (text: string, lines = 40): string => text.split('\n').slice(-lines).join('\n');

function required(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (value === undefined || value === '') throw new Error(`${key} must be set to start the app`);
  return value;
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'nest-cli.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}
