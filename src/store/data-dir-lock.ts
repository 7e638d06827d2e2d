import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.ts';

/**
 * PGlite is Postgres inside one process: a second process opening the same data directory would
 * corrupt it. A lock file holding the owner's pid turns that into a clear error; a lock left by
 * a process that no longer runs (a crash, a kill -9) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  // Beside the data directory, not in it: Postgres owns everything inside.
  const lockFile = `${dataDir}.lock`;
  const owner = readOwner(lockFile);
  if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
    throw new ConfigError({
      code: 'embedded_database_in_use',
      userMessage: `The embedded database in ${dataDir} is in use by another stridesync process (pid ${owner}).`,
      hint:
        'Stop that process first, or give this one its own STRIDESYNC_DATA_DIR. To run several ' +
        'processes on one database, set DATABASE_URL to a Postgres server.',
    });
  }
  writeFileSync(lockFile, String(process.pid));
  return () => {
    if (readOwner(lockFile) === process.pid) rmSync(lockFile, { force: true });
  };
}

function readOwner(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
