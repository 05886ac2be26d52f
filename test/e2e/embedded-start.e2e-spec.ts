import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallDetailView } from '../../apps/api/src/calls/call.view';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { DIST_MAIN, ManagedProcess, REPO_ROOT, freePort, startProcess } from '../helpers/processes';

/**
 * The app as a new user gets it: the built CLI's `start` with neither DATABASE_URL nor
 * REDIS_URL, so it runs on an embedded PostgreSQL (queues included) in DATA_DIR. It takes a
 * whole call, serves it back, and still has it after a restart on the same DATA_DIR; bad
 * setups end with one line that names the fix.
 */

jest.setTimeout(600_000);

const VAPI_STORAGE = 'https://storage.vapi.ai/';
const CONVERSATION = [
  'status-update-ringing.json',
  'status-update-in-progress.json',
  'transcript-partial.json',
  'transcript-final.json',
  'conversation-update.json',
  'status-update-ended.json',
  'end-of-call-report.json',
];

/** The environment of a user who configured nothing but where the data goes. */
function userEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_PRETTY: 'false', ...extra };
}

/** Runs `start` expecting it to fail; returns its exit code and everything it printed. */
function failingStart(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [DIST_MAIN.cli, 'start'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    }),
  );
}

describe('npm start with nothing configured (embedded PostgreSQL)', () => {
  let root: string;
  let host: Server;
  let hostUrl: string;

  beforeAll(async () => {
    // Users run `npm start`, whose prestart builds; a fresh checkout has no dist yet.
    if (!existsSync(DIST_MAIN.cli)) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('npm run build failed');
    }
    root = mkdtempSync(join(tmpdir(), 'vapi-hooks-embedded-'));
    // As root the server runs as user "postgres", which must be able to reach DATA_DIR
    // (mkdtemp makes the directory private).
    chmodSync(root, 0o755);
    host = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'audio/wav' })
        .end(Buffer.from(`RIFF-${req.url}`.repeat(100)));
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => host.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  describe('a whole call, kept across a restart', () => {
    let dataDir: string;
    let port: number;
    let app: ManagedProcess | undefined;

    const start = async (name: string): Promise<ManagedProcess> => {
      port = await freePort();
      const env = userEnv(dataDir, {
        PORT: String(port),
        WORKER_HEALTH_PORT: String(await freePort()),
        RECORDINGS_DIR: join(dataDir, 'recordings'),
      });
      return startProcess({
        name,
        script: DIST_MAIN.cli,
        args: ['start'],
        env,
        logDir: join(root, 'logs'),
        healthUrl: `http://127.0.0.1:${port}/health/ready`,
        startTimeoutMs: 240_000,
      });
    };

    const getCall = async (): Promise<{ status: number; body: CallDetailView }> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/calls/${FIXTURE_CALL_ID}`);
      return { status: res.status, body: (await res.json()) as CallDetailView };
    };

    /** The call once the worker has applied everything (ended, transcript, recordings stored). */
    const settledCall = async (): Promise<CallDetailView> => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { status, body } = await getCall();
        if (
          status === 200 &&
          body.status === 'ended' &&
          body.events.length === CONVERSATION.length &&
          body.recordings.length >= 2 &&
          body.recordings.every((r) => r.state === 'stored')
        ) {
          return body;
        }
        if (Date.now() > deadline) throw new Error(`call not settled: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    beforeAll(() => {
      dataDir = join(root, 'data');
    });

    afterAll(async () => {
      await app?.stop(30_000);
    });

    it('runs the pipeline on the embedded server and says so in one line', async () => {
      app = await start('first');
      const log = app.logs();
      const banner = log.split('\n').filter((l) => l.includes('embedded PostgreSQL'));
      expect(banner).toHaveLength(1);
      expect(banner[0]).toMatch(/DATABASE_URL/);
      expect(banner[0]).toMatch(/REDIS_URL/);
      // The generated password stays in DATA_DIR, never in the output.
      const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(log).not.toContain(password);

      const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
        info: Record<string, unknown>;
      };
      expect(Object.keys(ready.info).sort()).toEqual(['outbox', 'postgres', 'queue']);

      for (const name of CONVERSATION) {
        const body = fixtureBytes(name).toString('utf8').split(VAPI_STORAGE).join(hostUrl);
        const res = await fetch(`http://127.0.0.1:${port}/api/webhook/vapi`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
      }
      const call = await settledCall();
      expect(call).toMatchObject({
        id: FIXTURE_CALL_ID,
        status: 'ended',
        endedReason: 'customer-ended-call',
        transcriptSource: 'report',
      });
      expect(call.transcript.length).toBeGreaterThan(0);
      expect(call.recordingUrl).toContain(hostUrl);
    });

    it('refuses a second start on the same DATA_DIR with a clear error', async () => {
      const { code, output } = await failingStart(
        userEnv(dataDir, { PORT: String(await freePort()), WORKER_HEALTH_PORT: '0' }),
      );
      expect(code).not.toBe(0);
      expect(output.split('\n')).toHaveLength(1);
      expect(output).toMatch(/DATA_DIR .* is in use by another vapi-hooks/);
      // The running one is unharmed.
      expect((await getCall()).status).toBe(200);
    });

    it('stops cleanly on SIGTERM, and serves the same call after a restart', async () => {
      const before = await getCall();
      const exit = await app!.stop(60_000);
      expect(exit).toEqual({ code: 0, signal: null });
      // The server is down and DATA_DIR released.
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'vapi-hooks.lock'))).toBe(false);

      app = await start('second');
      const after = await getCall();
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before.body);
    });

    it('recovers a DATA_DIR whose start was killed (stale pid and lock files)', async () => {
      const before = await getCall();
      // Everything dies at once, as in a power cut: the CLI, its apps and the server.
      const pgPid = Number(
        readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      const children = spawnSync('pgrep', ['-P', String(app!.pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((s) => s !== '')
        .map(Number);
      for (const pid of [app!.pid, ...children, pgPid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await app!.waitForExit(10_000);
      expect(existsSync(join(dataDir, 'vapi-hooks.lock'))).toBe(true);

      app = await start('third');
      const after = await getCall();
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before.body);
    });
  });

  describe('bad setups end with one line that names the fix', () => {
    it('an unwritable DATA_DIR', async () => {
      const file = join(root, 'not-a-directory');
      writeFileSync(file, '');
      const { code, output } = await failingStart(
        userEnv(join(file, 'data'), { PORT: String(await freePort()), WORKER_HEALTH_PORT: '0' }),
      );
      expect(code).not.toBe(0);
      expect(output.split('\n')).toHaveLength(1);
      expect(output).toMatch(/DATA_DIR .* is not a writable directory.*set DATA_DIR/);
    });

    it('a port already in use', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const taken = (blocker.address() as AddressInfo).port;
      try {
        const { code, output } = await failingStart(
          userEnv(join(root, 'clash'), { PORT: String(taken), WORKER_HEALTH_PORT: '0' }),
        );
        expect(code).not.toBe(0);
        expect(output.split('\n')).toHaveLength(1);
        expect(output).toContain(`port ${taken} (PORT) is already in use`);
        expect(output).toContain('set PORT to a free port');
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    });

    it('a data dir from another PostgreSQL major version', async () => {
      const dataDir = join(root, 'old-major');
      mkdirSync(join(dataDir, 'postgres'), { recursive: true });
      writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '16\n');
      const { code, output } = await failingStart(
        userEnv(dataDir, { PORT: String(await freePort()), WORKER_HEALTH_PORT: '0' }),
      );
      expect(code).not.toBe(0);
      expect(output.split('\n')).toHaveLength(1);
      expect(output).toMatch(
        /holds PostgreSQL 16 data .* runs PostgreSQL 18: upgrade it with pg_upgrade/,
      );
      // Nothing was touched.
      expect(readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8')).toBe('16\n');
    });
  });
});
