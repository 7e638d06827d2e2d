import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';
import { ALL_FEATURES_ON } from '../support/feature-flags.ts';

/** `npm start` on a machine with no Postgres server: the embedded database, end to end. */
describe('stridesync start on the embedded database', () => {
  let workDir: string;
  const running: CliProcess[] = [];

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-start-'));
  });
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  async function start(port: number) {
    const p = runCli(['start'], { PORT: String(port) }, workDir);
    running.push(p);
    const [, url] = await p.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 60_000);
    return { p, url: url as string };
  }

  it('creates the database, serves health and the demo user, syncs, and keeps data across restarts', {
    timeout: 180_000,
  }, async () => {
    const first = await start(await freePort());
    expect(first.p.stdout()).toContain(`embedded database in ${path.join(workDir, '.stridesync')}`);
    expect(first.p.stdout()).toContain('"applied":["20261128190000_sync_schema"');

    const health = await fetch(`${first.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: { kind: 'pglite', ok: true },
    });

    const token = first.p.stdout().match(/Bearer ([\w.-]+)/)?.[1];
    const me = await fetch(`${first.url}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toEqual({
      id: 'd3e0a000-0000-4000-8000-000000000001',
      email: 'demo@stridesync.local',
      features: ALL_FEATURES_ON,
    });

    // Demo mode: Strava is the in-process simulator, and connecting goes through its OAuth.
    const connect = await fetch(`${first.url}/api/strava/connect`, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
    });
    const authorize = new URL(connect.headers.get('location') ?? '');
    expect(authorize.pathname).toBe('/sim/strava/oauth/authorize');
    const approved = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(approved.headers.get('location') ?? '');
    // One host throughout: the browser stays where `start` said the dashboard is.
    const printed = new URL(first.url).origin;
    expect([authorize.origin, callback.origin]).toEqual([printed, printed]);
    // Strava sends the browser back to the dashboard, which completes with the runner's token.
    expect(callback.pathname).toBe('/');
    const connected = await fetch(`${first.url}/api/strava/callback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(callback.searchParams)),
    });
    expect(connected.status).toBe(200);
    expect(await connected.json()).toMatchObject({ status: 'connected', missingScopes: [] });
    const state = await (await fetch(`${first.url}/sim/strava/_sim/state`)).json();
    expect(state.athletes[0].activityCount).toBe(800);

    // Sync: the in-process worker walks the demo athlete's history and enriches it.
    const auth = { authorization: `Bearer ${token}` };
    const started = await fetch(`${first.url}/api/syncs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let session = { status: 'queued', counts: { stored: 0 }, progress: { percent: 0 } };
    for (
      let i = 0;
      i < 240 && !['completed', 'failed', 'cancelled'].includes(session.status);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      session = await (await fetch(`${first.url}/api/syncs/${id}`, { headers: auth })).json();
    }
    expect(session).toMatchObject({ status: 'completed', progress: { percent: 100 } });
    expect(session.counts.stored).toBeGreaterThan(300);
    const runs = (await (
      await fetch(`${first.url}/api/activities?limit=100`, { headers: auth })
    ).json()) as {
      items: { weather: { status: string }; place: { city: string | null } }[];
    };
    expect(runs.items).toHaveLength(100);
    expect(runs.items.filter((r) => r.weather.status === 'enriched').length).toBeGreaterThan(50);
    expect(runs.items.filter((r) => r.place.city).length).toBeGreaterThan(50);

    // A second process on the same embedded database would corrupt it: refused, with a way out.
    const second = runCli(['start'], { PORT: String(await freePort()) }, workDir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('is in use by another stridesync process');
    expect(second.stderr()).toContain('DATABASE_URL');

    first.p.child.kill('SIGINT');
    expect(await first.p.exited).toBe(0);

    const again = await start(await freePort());
    expect(again.p.stdout()).toMatch(/"applied":\[\],"alreadyApplied":[1-9]/);
    const tokenAgain = again.p.stdout().match(/Bearer ([\w.-]+)/)?.[1];
    // The same local secret signs tokens after a restart: the old token still works.
    const meAgain = await fetch(`${again.url}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(meAgain.status).toBe(200);
    expect(tokenAgain).toBeDefined();
    again.p.child.kill('SIGTERM');
    expect(await again.p.exited).toBe(0);
  });
});

describe('stridesync command line', () => {
  it('lists the commands with --help and exits 0', async () => {
    const p = runCli(['--help'], {});
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toMatch(/start\s+Migrate and run/);
    expect(p.stdout()).toMatch(/migrate\s+Apply pending/);
  });

  it('shows a command’s usage with --help', async () => {
    const p = runCli(['serve', '--help'], {});
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('Usage: stridesync serve');
  });

  it('refuses an unknown command and an unknown option with exit code 2', async () => {
    const unknown = runCli(['frobnicate'], {});
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain("unknown command 'frobnicate'");
    const badOption = runCli(['migrate', '--bogus'], {});
    expect(await badOption.exited).toBe(2);
    expect(badOption.stderr()).toContain('--bogus');
    expect(badOption.stderr()).toContain('Usage: stridesync migrate');
  });

  it('stops on a malformed environment variable with a message naming it', async () => {
    const p = runCli(['start'], { PORT: 'eighty' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain("PORT must be an integer between 1 and 65535 (got 'eighty')");
    expect(p.stderr()).toContain('Fix PORT in the environment');
  });

  it.each(['start', 'serve'])(
    '%s: a port in use is named before any work is done',
    async (command) => {
      const port = await freePort();
      const holder: Server = createServer();
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
      const dataDir = mkdtempSync(path.join(tmpdir(), `stridesync-busy-port-${command}-`));
      try {
        const p = runCli([command], { PORT: String(port), STRIDESYNC_DATA_DIR: dataDir });
        expect(await p.exited).toBe(1);
        expect(p.stderr()).toContain(`PORT ${port} is in use by another program`);
        expect(p.stderr()).toContain(`PORT=${port + 1} npm start`);
        // Checked first: no database was created or opened for a server that could not listen.
        expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  it('serve: a database without the schema is refused with what to run, not a missing table', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-unmigrated-'));
    try {
      const p = runCli(['serve'], {
        PORT: String(await freePort()),
        STRIDESYNC_DATA_DIR: dataDir,
      });
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain('The database has no stridesync schema yet');
      expect(p.stderr()).toContain("Run 'stridesync migrate' against the same DATABASE_URL");
      expect(p.stderr()).toMatch(/correlation id cli-[\w-]+/);
      expect(p.stderr()).not.toContain('does not exist');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
