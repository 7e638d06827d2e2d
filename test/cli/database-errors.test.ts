import { describe, expect, it } from 'vitest';
import { freePort, runCli } from '../support/cli-process.ts';
import { databaseUrl } from '../support/postgres-urls.ts';

/**
 * A DATABASE_URL that cannot be used stops a command with a message naming the variable, the
 * cause and the fix (never the password), and a correlation id that is on its log line too.
 * (A wrong password is not tested: the test server trusts every local connection, so it never
 * asks for one.)
 */
describe('a DATABASE_URL that cannot be used', () => {
  /** Runs `status` on `url`; returns its stderr's human lines and its log lines. */
  async function statusOn(url: string) {
    const p = runCli(['status'], { DATABASE_URL: url, LOG_LEVEL: 'info' });
    expect(await p.exited).toBe(1);
    const lines = p.stderr().trimEnd().split('\n');
    const logs = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const text = lines.filter((line) => !line.startsWith('{'));
    expect(p.stderr()).not.toContain('Something went wrong');
    expect(p.stderr()).not.toContain('s3cret');
    const correlationId = text.at(-1)?.match(/^\(correlation id (cli-[\w-]+)\)$/)?.[1];
    expect(correlationId).toBeDefined();
    expect(logs).toContainEqual(
      expect.objectContaining({ correlationId, msg: 'stridesync status failed' }),
    );
    return text.slice(0, -1);
  }

  it('says nothing is listening at a refused address', async () => {
    const port = await freePort();
    expect(await statusOn(`postgres://postgres:s3cret@127.0.0.1:${port}/app`)).toEqual([
      `stridesync status: DATABASE_URL: nothing is listening at 127.0.0.1:${port}.`,
      'Start Postgres, or unset DATABASE_URL to use the embedded database.',
    ]);
  });

  it('names a database that does not exist on the server, and how to create it', async () => {
    const url = new URL(databaseUrl('stridesync_no_such_db'));
    url.password = 's3cret';
    expect(await statusOn(url.toString())).toEqual([
      `stridesync status: DATABASE_URL: the database 'stridesync_no_such_db' does not exist on ${url.host}.`,
      `Create it (createdb -h ${url.hostname} -p ${url.port || 5432} -U ${url.username} stridesync_no_such_db), or fix the database name at the end of DATABASE_URL.`,
    ]);
  });

  it('names a host that DNS does not know', async () => {
    expect(await statusOn('postgres://postgres:s3cret@no-such-host.invalid:5432/app')).toEqual([
      "stridesync status: DATABASE_URL: the host 'no-such-host.invalid' is not known (DNS has no such name).",
      'Fix the host name in DATABASE_URL, or unset DATABASE_URL to use the embedded database.',
    ]);
  });

  it('stops `start` the same way, before serving anything', async () => {
    const port = await freePort();
    const p = runCli(['start'], {
      DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${port}/app`,
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(
      `stridesync start: DATABASE_URL: nothing is listening at 127.0.0.1:${port}.\n`,
    );
    expect(p.stderr()).toMatch(/\n\(correlation id cli-[\w-]+\)\n$/);
    expect(p.stderr()).not.toContain('s3cret');
  });
});
