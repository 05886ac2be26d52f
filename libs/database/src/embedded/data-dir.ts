import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  mkdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * A problem the user fixes, not a bug: the message is one line that says what is wrong and
 * what to do, and the CLI prints only that.
 */
export class EmbeddedDatabaseError extends Error {}

/** What `start` records in its lock file, so other commands can find the running server. */
export interface DataDirOwner {
  pid: number;
  port: number;
}

/** The files of one DATA_DIR. */
export class DataDir {
  /** PostgreSQL's own data directory (`initdb` creates it). */
  readonly pgData: string;
  private readonly lockFile: string;
  private readonly passwordFile: string;

  constructor(readonly path: string) {
    this.pgData = join(path, 'postgres');
    this.lockFile = join(path, 'vapi-hooks.lock');
    this.passwordFile = join(path, 'postgres.password');
  }

  /** Creates the directory and proves it writable, or explains how to fix it. */
  ensureWritable(): void {
    try {
      mkdirSync(this.path, { recursive: true });
      accessSync(this.path, constants.W_OK);
      // Root passes access() on any mode; a real write also catches read-only mounts.
      const probe = join(this.path, `.write-test-${process.pid}`);
      writeFileSync(probe, '');
      unlinkSync(probe);
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `DATA_DIR ${this.path} is not a writable directory (${codeOf(error)}): set DATA_DIR to a directory this user can write, or set DATABASE_URL to use your own PostgreSQL`,
      );
    }
  }

  /** The PostgreSQL major version the data was created with, if any. */
  pgVersion(): number | undefined {
    try {
      return Number(readFileSync(join(this.pgData, 'PG_VERSION'), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  /** The generated superuser password: created with the cluster, readable by this user only. */
  password(clusterExists: boolean): string {
    try {
      return readFileSync(this.passwordFile, 'utf8').trim();
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
    }
    if (clusterExists) {
      throw new EmbeddedDatabaseError(
        `${this.passwordFile} is missing, so the database in ${this.pgData} cannot be opened: restore that file, or move ${this.pgData} away to start with an empty database`,
      );
    }
    const password = randomBytes(24).toString('base64url');
    writeFileSync(this.passwordFile, `${password}\n`, { mode: 0o600 });
    return password;
  }

  /**
   * Takes the directory for this process. A lock left by a process that is gone (a crash) is
   * taken over; one held by a live process is a clear error.
   */
  lock(port: number): void {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        writeFileSync(this.lockFile, JSON.stringify({ pid: process.pid, port }), { flag: 'wx' });
        return;
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw error;
      }
      const owner = this.owner();
      if (owner) {
        throw new EmbeddedDatabaseError(
          `DATA_DIR ${this.path} is in use by another vapi-hooks (pid ${owner.pid}): stop that one first, or give this one its own DATA_DIR`,
        );
      }
      rmSync(this.lockFile, { force: true });
    }
    throw new EmbeddedDatabaseError(`could not lock DATA_DIR ${this.path}: try again`);
  }

  /** Records the port once the server listens (other commands connect through it). */
  updateLock(port: number): void {
    writeFileSync(this.lockFile, JSON.stringify({ pid: process.pid, port }));
  }

  unlock(): void {
    if (this.owner()?.pid === process.pid) rmSync(this.lockFile, { force: true });
  }

  /** The live process that holds the lock, if any. */
  owner(): DataDirOwner | undefined {
    let owner: DataDirOwner;
    try {
      owner = JSON.parse(readFileSync(this.lockFile, 'utf8')) as DataDirOwner;
    } catch {
      return undefined;
    }
    return isAlive(owner.pid, 'node') ? owner : undefined;
  }

  /**
   * The pid in `postmaster.pid` when that server still runs (orphaned by a `start` that was
   * killed), after deleting the file when its pid is gone or reused by another program, so
   * PostgreSQL does not refuse to start because of a pid that happens to be alive.
   */
  orphanServerPid(): number | undefined {
    const file = join(this.pgData, 'postmaster.pid');
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').split('\n', 1)[0]);
    } catch {
      return undefined;
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid, 'postgres')) return pid;
    rmSync(file, { force: true });
    return undefined;
  }
}

/** Whether `pid` runs and (where /proc tells) is the expected program. */
function isAlive(pid: number, program: string): boolean {
  if (pid === process.pid) return program === 'node';
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (e.g. the postgres user).
    if (codeOf(error) !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true;
  }
}

export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
