import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDir, EmbeddedDatabaseError } from './data-dir';

describe(DataDir.name, () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vapi-hooks-datadir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a second lock while the holder lives, and releases it on unlock', () => {
    const dir = new DataDir(join(root, 'data'));
    dir.ensureWritable();
    dir.lock(5432);
    expect(() => dir.lock(5433)).toThrow(EmbeddedDatabaseError);
    expect(() => dir.lock(5433)).toThrow(/is in use by another vapi-hooks \(pid \d+\)/);
    expect(dir.owner()).toEqual({ pid: process.pid, port: 5432 });
    dir.unlock();
    expect(dir.owner()).toBeUndefined();
    dir.lock(5434);
    expect(dir.owner()?.port).toBe(5434);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = new DataDir(join(root, 'data'));
    dir.ensureWritable();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(dir.path, 'vapi-hooks.lock'), JSON.stringify({ pid, port: 1 }));
    expect(dir.owner()).toBeUndefined();
    dir.lock(2);
    expect(dir.owner()).toEqual({ pid: process.pid, port: 2 });
  });

  it('generates the password once, private to this user, and requires it once a cluster exists', () => {
    const dir = new DataDir(join(root, 'data'));
    dir.ensureWritable();
    expect(() => dir.password(true)).toThrow(/postgres\.password is missing/);
    const password = dir.password(false);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(dir.password(true)).toBe(password);
    expect(statSync(join(dir.path, 'postgres.password')).mode & 0o077).toBe(0);
  });

  it('reads the PostgreSQL major of an existing cluster', () => {
    const dir = new DataDir(join(root, 'data'));
    expect(dir.pgVersion()).toBeUndefined();
    mkdirSync(dir.pgData, { recursive: true });
    writeFileSync(join(dir.pgData, 'PG_VERSION'), '16\n');
    expect(dir.pgVersion()).toBe(16);
  });

  it('deletes a postmaster.pid whose process is gone', () => {
    const dir = new DataDir(join(root, 'data'));
    mkdirSync(dir.pgData, { recursive: true });
    writeFileSync(join(dir.pgData, 'postmaster.pid'), '999999999\n/x\n');
    expect(dir.orphanServerPid()).toBeUndefined();
    expect(() => readFileSync(join(dir.pgData, 'postmaster.pid'))).toThrow();
  });

  it('explains an unwritable DATA_DIR in one line', () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    expect(() => new DataDir(join(file, 'data')).ensureWritable()).toThrow(
      /^DATA_DIR .* is not a writable directory \(ENOTDIR\): set DATA_DIR to/,
    );
  });
});
