import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.DRILLS_TMP) rmSync(process.env.DRILLS_TMP, { recursive: true, force: true });
}
