import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cli-process.ts';

const run = promisify(execFile);

/**
 * A Postgres cluster of the suite's own (`initdb` in a temp folder, a spare port), which the
 * chaos suite may restart or crash at will: never the shared server the other suites use.
 * As root, the binaries run as the `postgres` user (initdb refuses root) through `runuser`.
 */
export interface ThrowawayPostgres {
  port: number;
  /** A connection string to `database` on this cluster (user postgres, trust). */
  url(database?: string): string;
  /** `pg_ctl restart`: `immediate` is a crash (recovery from the WAL), `fast` a clean stop. */
  restart(mode?: 'immediate' | 'fast'): Promise<number>;
  stop(): Promise<void>;
}

/** The newest installed server's binaries (Debian's /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : undefined;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no initdb under /usr/lib/postgresql/*/bin');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'stridesync-pg-'));
  const data = path.join(dir, 'data');
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (cmd: string, args: string[]) =>
    root
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args])
      : run(path.join(bin, cmd), args);
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const log = path.join(dir, 'postgres.log');
  await as('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '60', 'start']);
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart(mode = 'immediate') {
      const started = Date.now();
      await as('pg_ctl', [
        '-D',
        data,
        '-m',
        mode,
        '-o',
        options,
        '-l',
        log,
        '-w',
        '-t',
        '60',
        'restart',
      ]);
      return Date.now() - started;
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
