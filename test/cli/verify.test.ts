import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/http/jwt.ts';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';

const SECRETS = {
  SUPABASE_JWT_SECRET: 'verify-test-jwt-secret-0123456789abcdef',
  STRAVA_WEBHOOK_VERIFY_TOKEN: 'verify-test-webhook-token',
  METRICS_TOKEN: 'verify-test-metrics-token',
};

/** The line of one check in verify's output. */
function line(out: string, check: string): string {
  return out.split('\n').find((l) => new RegExp(`^\\S+\\s+${check}\\s`).test(l)) ?? '';
}

/** `stridesync verify` against a real local server (`start`, embedded database) set up as a deploy. */
describe('stridesync verify', () => {
  let workDir: string;
  let server: CliProcess;
  let url: string;
  let port: number;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-verify-'));
    port = await freePort();
    server = runCli(['start'], { PORT: String(port), LOG_LEVEL: 'warn', ...SECRETS }, workDir);
    [, url] = (await server.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 120_000)) as [
      string,
      string,
    ];
  }, 150_000);
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  async function verify(args: string[], env: Record<string, string> = {}) {
    const p = runCli(['verify', ...args], env, workDir);
    const code = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  }

  it('passes every check with the site’s secrets from the environment', {
    timeout: 60_000,
  }, async () => {
    const { code, out, err } = await verify(['--url', url], SECRETS);
    for (const check of ['health', 'auth', 'webhook', 'cors', 'metrics'])
      expect(line(out, check), out).toMatch(/^passed /);
    expect(line(out, 'auth')).toMatch(/GET \/api\/me answered user [0-9a-f-]{36}/);
    expect(err).toBe('');
    expect(line(out, 'readiness')).toMatch(/^passed /);
    expect(out).toContain('All 6 checks passed.');
    expect(code).toBe(0);
  });

  it('says the readiness endpoint is missing on a site deployed before it', {
    timeout: 60_000,
  }, async () => {
    const old = createServer((req, res) => {
      const ok = req.url === '/api/health';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(ok ? '{"status":"ok"}' : '{"error":"not_found"}');
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = old.address() as AddressInfo;
      const { code, out } = await verify(['--url', `http://127.0.0.1:${port}`], SECRETS);
      expect(line(out, 'health')).toMatch(/^passed /);
      expect(line(out, 'readiness')).toContain('FAILED   readiness  readiness endpoint missing');
      expect(out).toContain('fix: deploy a version with /api/health/ready');
      expect(code).toBe(1);
    } finally {
      await new Promise((resolve) => old.close(resolve));
    }
  });

  it('passes the auth check with a runner’s --token', { timeout: 60_000 }, async () => {
    const runner = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
    const token = await signAccessToken(SECRETS.SUPABASE_JWT_SECRET, { sub: runner });
    const { out } = await verify(['--url', url, '--token', token]);
    expect(line(out, 'auth')).toBe(`passed   auth       GET /api/me answered user ${runner}`);
  });

  it('fails each check with the fix when a secret or the origin is wrong', {
    timeout: 60_000,
  }, async () => {
    // localhost is the same server under an origin PUBLIC_URL does not name.
    const { code, out } = await verify(
      [
        '--url',
        `http://localhost:${port}`,
        '--token',
        'not.a.token',
        '--verify-token',
        'wrong-verify-token',
        '--metrics-token',
        'wrong-metrics-token',
      ],
      {},
    );
    expect(code).toBe(1);
    expect(line(out, 'health')).toMatch(/^passed /);
    expect(line(out, 'auth')).toContain('FAILED   auth       GET /api/me answered 401');
    expect(line(out, 'webhook')).toContain('the handshake answered 401, not the challenge');
    expect(out).toContain('fix: set STRAVA_WEBHOOK_VERIFY_TOKEN on the site');
    expect(line(out, 'cors')).toContain(
      `FAILED   cors       a preflight from http://localhost:${port} is not allowed`,
    );
    expect(out).toContain(`fix: set PUBLIC_URL to http://localhost:${port}`);
    expect(line(out, 'metrics')).toContain(
      'refused without a token, and with the metrics token too (401)',
    );
  });

  it('counts a check it cannot run for want of a secret as not passed', {
    timeout: 60_000,
  }, async () => {
    const { code, out } = await verify(['--url', url]);
    expect(code).toBe(1);
    expect(line(out, 'auth')).toContain('SKIPPED  auth       no sign-in token');
    expect(out).toContain('fix: give --token');
    expect(line(out, 'webhook')).toContain('SKIPPED');
    expect(line(out, 'metrics')).toContain('SKIPPED  metrics    refused without a token (401)');
  });

  it('says plainly when nothing answers at the URL, with no stack trace', {
    timeout: 60_000,
  }, async () => {
    const { code, out, err } = await verify(['--url', `http://127.0.0.1:${await freePort()}`]);
    expect(code).toBe(1);
    expect(line(out, 'health')).toContain(
      'FAILED   health     nothing answers at http://127.0.0.1:',
    );
    expect(out).toContain('(ECONNREFUSED)');
    expect(out).toContain('The other checks were not run: the site does not answer.');
    expect(out + err).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing or malformed --url with its usage', async () => {
    for (const args of [[], ['--url', 'ftp://example.org']]) {
      const { code, err } = await verify(args);
      expect(code).toBe(2);
      expect(err).toContain('Usage: stridesync verify --url <site>');
    }
  });
});
