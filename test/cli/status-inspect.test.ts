import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, sessionStore } from '../../src/store/session-store.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { freePort, runCli } from '../support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

describe('stridesync status and inspect', () => {
  let t: TestDatabase;
  let sessionId: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    env = { DATABASE_URL: t.url!, LOG_LEVEL: 'silent' };
    const userId = await insertUser(t.db);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'cli-test',
    });
    sessionId = session.id;
    await appendEvent(t.db, session, {
      type: 'sync:started',
      payload: { kind: 'backfill', resumed: false },
    });
    await appendEvent(t.db, session, {
      type: 'slice:stored',
      payload: {
        listed: 200,
        stored: 150,
        unchanged: 0,
        skipped: { not_a_run: 50 },
        cursorBefore: 1_700_000_000,
      },
    });
    await t.db.query(
      `update sync_sessions set activities_stored = 150, activities_skipped = 50 where id = $1`,
      [sessionId],
    );
  });
  afterAll(() => t.dispose());

  it('lists recent sessions with their state and counts', async () => {
    const p = runCli(['status'], env);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain(sessionId);
    expect(p.stdout()).toMatch(/backfill\s+queued/);
    expect(p.stdout()).toContain('stored 150, skipped 50');
  });

  it('prints a session’s timeline in order', async () => {
    const p = runCli(['inspect', sessionId], env);
    expect(await p.exited).toBe(0);
    const lines = p.stdout().trim().split('\n');
    expect(lines[0]).toContain(`backfill session ${sessionId}: queued (correlation id cli-test)`);
    expect(lines[1]).toContain('sync:started');
    expect(lines[2]).toContain('slice:stored');
    expect(lines[2]).toContain('"not_a_run":50');
  });

  it('names the provider a parked session waits for, and how long, in its header', async () => {
    const userId = await insertUser(t.db);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'cli-wait',
    });
    await t.db.query(
      `update sync_sessions set status = 'rate_limited', waiting_for = 'nominatim',
         resume_at = now() + interval '5 minutes' where id = $1`,
      [session.id],
    );
    const p = runCli(['inspect', session.id], env);
    expect(await p.exited).toBe(0);
    const [header] = p.stdout().trim().split('\n');
    expect(header).toMatch(
      new RegExp(
        `^backfill session ${session.id}: rate_limited, waiting for OpenStreetMap's limit \\(Nominatim\\), [45]m( \\d+s)? left \\(correlation id cli-wait\\)$`,
      ),
    );
  });

  it('says what is wrong with a missing or unknown session id', async () => {
    const missing = runCli(['inspect'], env);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain('expected 1 argument(s), got 0');
    const unknown = runCli(['inspect', '00000000-0000-4000-8000-000000000000'], env);
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr()).toContain('There is no sync session');
    expect(unknown.stderr()).toContain('stridesync status');
  });
});

/**
 * Beside `stridesync start` on the embedded database, which serves one process: status and
 * inspect go through the server's API, and print what they print reading the database directly
 * once the server has stopped.
 */
describe('stridesync status and inspect beside `stridesync start`', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-status-beside-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('answer through the local server, as they answer directly', { timeout: 300_000 }, async () => {
    const env = { PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const start = runCli(['start'], env, workDir);
    let through: { status: string; inspect: string };
    let sessionId: string;
    try {
      const [, url] = await start.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 150_000);
      const auth = { authorization: `Bearer ${start.stdout().match(/Bearer ([\w.-]+)/)?.[1]}` };
      // Connect the simulated Strava and sync, as the dashboard does.
      const connect = await fetch(`${url}/api/strava/connect`, {
        headers: auth,
        redirect: 'manual',
      });
      const approved = await fetch(connect.headers.get('location') ?? '', { redirect: 'manual' });
      const callback = new URL(approved.headers.get('location') ?? '');
      const connected = await fetch(`${url}/api/strava/callback`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(Object.fromEntries(callback.searchParams)),
      });
      expect(connected.status).toBe(200);
      const started = await fetch(`${url}/api/syncs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(started.status).toBe(202);
      sessionId = ((await started.json()) as { id: string }).id;
      // Cancelled at once: a session in a state that no longer changes, so the two reads compare.
      await fetch(`${url}/api/syncs/${sessionId}/cancel`, { method: 'POST', headers: auth });
      for (let i = 0; i < 240; i++) {
        const s = await (await fetch(`${url}/api/syncs/${sessionId}`, { headers: auth })).json();
        if (['completed', 'failed', 'cancelled'].includes(s.status)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }

      const status = runCli(['status'], env, workDir);
      expect({ code: await status.exited, stderr: status.stderr() }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(status.stdout()).toMatch(
        new RegExp(`^${sessionId}  backfill\\s+cancelled\\s+\\S+\\s+\\S+  stored \\d+`),
      );
      expect(status.stdout()).toContain(`(user ${DEMO_USER.id}, `);
      const inspect = runCli(['inspect', sessionId], env, workDir);
      expect({ code: await inspect.exited, stderr: inspect.stderr() }).toEqual({
        code: 0,
        stderr: '',
      });
      const lines = inspect.stdout().trim().split('\n');
      expect(lines[0]).toMatch(
        new RegExp(`^backfill session ${sessionId}: cancelled \\(correlation id \\S+\\)$`),
      );
      expect(lines.at(-1)).toContain('sync:cancelled');
      // Another user's sessions are not the server's to show.
      const other = runCli(
        ['status', '--user', '00000000-0000-4000-8000-000000000000'],
        env,
        workDir,
      );
      expect(await other.exited).toBe(1);
      expect(other.stderr()).toContain(`signs in only its own user, ${DEMO_USER.id}`);
      const unknown = runCli(['inspect', '00000000-0000-4000-8000-000000000000'], env, workDir);
      expect(await unknown.exited).toBe(1);
      expect(unknown.stderr()).toContain(
        'There is no sync session 00000000-0000-4000-8000-000000000000.',
      );
      through = { status: status.stdout(), inspect: inspect.stdout() };
    } finally {
      start.child.kill('SIGINT');
      await start.exited;
    }

    // The server stopped: the same commands open the embedded database themselves.
    const status = runCli(['status'], env, workDir);
    expect(await status.exited).toBe(0);
    const inspect = runCli(['inspect', sessionId], env, workDir);
    expect(await inspect.exited).toBe(0);
    expect({ status: status.stdout(), inspect: inspect.stdout() }).toEqual(through);
  });
});
