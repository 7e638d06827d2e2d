import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SCRIPT = new URL('../support/unhandled-failure-process.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;

function run(
  kind: string,
): Promise<{ code: number; lines: Record<string, unknown>[]; out: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [SCRIPT, kind], (error, stdout) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code: error ? Number(error.code) : 0, lines, out: stdout });
    });
  });
}

describe('the CLI process handlers', () => {
  it('log an unhandled rejection as one structured line and keep serving', async () => {
    const { code, lines, out } = await run('rejection');
    expect(code).toBe(0);
    expect(out).toContain('still serving');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        code: 'internal_error',
        failureType: 'system',
        msg: expect.stringContaining('unhandled rejection'),
        err: expect.objectContaining({ message: 'nobody awaited this' }),
      }),
    ]);
  });

  it('log a lost connection nobody listened to as transient and keep serving', async () => {
    const { code, lines, out } = await run('lost-connection');
    expect(code).toBe(0);
    expect(out).toContain('still serving');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        code: 'database_connection_lost',
        failureType: 'transient',
        msg: expect.stringContaining('still serving'),
      }),
    ]);
  });

  it('log any other uncaught exception as fatal and exit 1', async () => {
    const { code, lines, out } = await run('bug');
    expect(code).toBe(1);
    expect(out).not.toContain('still serving');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 60,
        code: 'internal_error',
        failureType: 'system',
        err: expect.objectContaining({ message: 'a bug' }),
      }),
    ]);
  });
});
