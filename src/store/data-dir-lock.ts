import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.ts';

/**
 * PGlite is Postgres inside one process: a second process opening the same data directory would
 * corrupt it. A lock file holding the owner's pid turns that into a clear error; a lock left by
 * a process that no longer runs (a crash, a kill -9) is taken over. An owner that serves the API
 * writes its address there too (`announceLocalServer`), so a command run beside it
 * (`stridesync status`, `inspect`, `sync`) goes through that server instead of the database.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = lockFileOf(dataDir);
  const owner = readOwner(lockFile);
  if (owner !== undefined && owner.pid !== process.pid && isRunning(owner.pid)) {
    throw new ConfigError({
      code: 'embedded_database_in_use',
      userMessage: `The embedded database in ${dataDir} is in use by another stridesync process (pid ${owner.pid}).`,
      hint:
        'Stop that process first, or give this one its own STRIDESYNC_DATA_DIR. To run several ' +
        'processes on one database, set DATABASE_URL to a Postgres server.',
    });
  }
  writeOwner(lockFile, { pid: process.pid });
  return () => {
    if (readOwner(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
  };
}

/**
 * Records where this process, which holds the lock, serves the API (`http://127.0.0.1:PORT`),
 * and whether it also works the sync queue (`stridesync start` does, `serve` does not).
 */
export function announceLocalServer(dataDir: string, url: string, worksSyncs = false): void {
  const lockFile = lockFileOf(dataDir);
  if (readOwner(lockFile)?.pid === process.pid)
    writeOwner(lockFile, { pid: process.pid, url, worksSyncs });
}

/** Another running process holding the data directory, and the API address it announced. */
export interface DataDirOwner {
  pid: number;
  /** Unset while it starts, or for a process that serves no API (`stridesync worker`). */
  url: string | undefined;
  worksSyncs: boolean;
}

/** The other live process that holds `dataDir`, if any. */
export function dataDirOwner(dataDir: string): DataDirOwner | undefined {
  const owner = readOwner(lockFileOf(dataDir));
  if (!owner || owner.pid === process.pid || !isRunning(owner.pid)) return undefined;
  return owner;
}

/** Beside the data directory, not in it: Postgres owns everything inside. */
const lockFileOf = (dataDir: string) => `${dataDir}.lock`;

function writeOwner(
  lockFile: string,
  owner: { pid: number; url?: string; worksSyncs?: boolean },
): void {
  writeFileSync(lockFile, JSON.stringify(owner));
}

/** `{"pid":…,"url":…}`, or a bare pid as older versions wrote it. */
function readOwner(lockFile: string): DataDirOwner | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { pid, url, worksSyncs } =
    typeof value === 'number'
      ? { pid: value, url: undefined }
      : ((value ?? {}) as Record<string, unknown>);
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, url: typeof url === 'string' ? url : undefined, worksSyncs: worksSyncs === true };
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
