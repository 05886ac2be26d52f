import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_MAIN, REPO_ROOT } from '../helpers/processes';

/** Newest modification time of the non-test TypeScript sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** The drills run the built apps: build them when dist is missing or older than the sources. */
function ensureBuilt(): void {
  const mains = Object.values(DIST_MAIN);
  const built = Math.min(
    ...mains.map((file) => {
      try {
        return statSync(file).mtimeMs;
      } catch {
        return 0;
      }
    }),
  );
  const sources = Math.max(
    newestSource(join(REPO_ROOT, 'apps')),
    newestSource(join(REPO_ROOT, 'libs')),
  );
  if (built >= sources) return;
  process.stdout.write('\n[drills] dist is missing or stale: running `npm run build`\n');
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    },
  );
}

export default function globalSetup(): void {
  ensureBuilt();
  // Shared by the drill files of this run (the reference snapshot is computed once).
  process.env.DRILLS_TMP = mkdtempSync(join(tmpdir(), 'vapi-hooks-drills-'));
}
