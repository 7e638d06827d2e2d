import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, sessionStore } from '../../src/store/session-store.ts';
import { runCli } from '../support/cli-process.ts';
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
