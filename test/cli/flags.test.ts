import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { FLAG_KEYS } from '../../src/core/feature-flags.ts';
import { createFeatureFlags } from '../../src/store/feature-flags.ts';
import { runCli } from '../support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

/** `stridesync flags list | set | off` as real processes against Postgres. */
describe('stridesync flags', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await t.dispose();
  });

  const run = async (...args: string[]) => {
    const p = runCli(['flags', ...args], { DATABASE_URL: t.url, LOG_LEVEL: 'silent' });
    return { code: await p.exited, out: p.stdout(), err: p.stderr() };
  };

  it('sets a rollout with allow and deny lists, lists it, and switches it off for everyone', async () => {
    const allowed = await insertUser(t.db);
    const denied = await insertUser(t.db);
    const set = await run(
      'set',
      FLAG_KEYS.weather,
      '--percent',
      '5',
      '--allow',
      allowed,
      '--deny',
      denied,
    );
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain(`${FLAG_KEYS.weather}  on for 5 %; allow ${allowed}; deny ${denied}`);
    expect(set.out).toContain('within 30 s');

    const flags = createFeatureFlags(t.db, { clock: systemClock, ttlMs: 0 });
    expect(await flags.isOn(FLAG_KEYS.weather, allowed)).toBe(true);
    expect(await flags.isOn(FLAG_KEYS.weather, denied)).toBe(false);

    const list = await run('list');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${FLAG_KEYS.weather}  on for 5 %`);
    expect(list.out).toContain(`${FLAG_KEYS.places}  on for everyone (no row)`);

    const off = await run('off', FLAG_KEYS.weather);
    expect(off.code).toBe(0);
    expect(off.out).toContain(`${FLAG_KEYS.weather}  off for everyone`);
    expect(await flags.isOn(FLAG_KEYS.weather, allowed)).toBe(false);
  });

  it('refuses a bad percentage, a bad user id or a misplaced option with its usage (exit 2)', async () => {
    for (const args of [
      ['set', FLAG_KEYS.webhook, '--percent', '150'],
      ['set', FLAG_KEYS.webhook, '--allow', 'not-a-uuid'],
      ['off', FLAG_KEYS.webhook, '--percent', '5'],
      ['set'],
      ['toggle', FLAG_KEYS.webhook],
    ]) {
      const refused = await run(...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.err).toContain('Usage: stridesync flags');
    }
    expect((await run('list')).out).toContain(`${FLAG_KEYS.webhook}  on for everyone (no row)`);
  });
});
