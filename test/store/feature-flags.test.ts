import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.ts';
import { FLAG_KEYS } from '../../src/core/feature-flags.ts';
import {
  createFeatureFlags,
  FLAG_CACHE_MS,
  featureFlagStore,
} from '../../src/store/feature-flags.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { asRole, insertUser } from '../support/seed.ts';

describe('feature flags in the database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('set keeps what it is not told, off is 0 % and disabled with the lists kept', async () => {
    const user = await insertUser(t.db);
    const created = await featureFlagStore.set(t.db, 'store-test', { allow: [user] });
    expect(created).toMatchObject({ enabled: true, rolloutPercent: 0, allow: [user], deny: [] });
    const raised = await featureFlagStore.set(t.db, 'store-test', { rolloutPercent: 25 });
    expect(raised).toMatchObject({ enabled: true, rolloutPercent: 25, allow: [user] });
    const off = await featureFlagStore.off(t.db, 'store-test');
    expect(off).toMatchObject({ enabled: false, rolloutPercent: 0, allow: [user] });
    const back = await featureFlagStore.set(t.db, 'store-test', { rolloutPercent: 5 });
    expect(back).toMatchObject({ enabled: true, rolloutPercent: 5 });
    expect((await featureFlagStore.list(t.db)).map((f) => f.key)).toContain('store-test');
  });

  it('turns off instantly for the process that invalidates, within the cache time for the others', async () => {
    const user = await insertUser(t.db);
    await featureFlagStore.set(t.db, FLAG_KEYS.reconcile, { rolloutPercent: 100 });
    const clock = createManualClock();
    const here = createFeatureFlags(t.db, { clock });
    const elsewhere = createFeatureFlags(t.db, { clock });
    expect(await here.isOn(FLAG_KEYS.reconcile, user)).toBe(true);
    expect(await elsewhere.isOn(FLAG_KEYS.reconcile, user)).toBe(true);

    await featureFlagStore.off(t.db, FLAG_KEYS.reconcile);
    here.invalidate();
    expect(await here.isOn(FLAG_KEYS.reconcile, user)).toBe(false);
    // Another process still holds what it read, until its cache runs out.
    expect(await elsewhere.isOn(FLAG_KEYS.reconcile, user)).toBe(true);
    clock.advance(FLAG_CACHE_MS);
    expect(await elsewhere.isOn(FLAG_KEYS.reconcile, user)).toBe(false);
    await t.db.query('delete from feature_flags where key = $1', [FLAG_KEYS.reconcile]);
  });

  it('answers a user every known flag, on where no row exists', async () => {
    const user = await insertUser(t.db);
    await featureFlagStore.set(t.db, 'user-view', { deny: [user] });
    const flags = createFeatureFlags(t.db, { clock: createManualClock() });
    expect(await flags.forUser(['user-view', 'no-such-row'], user)).toEqual({
      'user-view': false,
      'no-such-row': true,
    });
  });

  it('lets a runner read the flags but not the allow and deny lists, which name other users', async () => {
    const user = await insertUser(t.db);
    const claims = { role: 'authenticated', sub: user };
    const rows = await asRole(
      t.db,
      'authenticated',
      async (tx) =>
        (await tx.query('select key, enabled, rollout_percent from feature_flags')).rows,
      claims,
    );
    expect(rows.length).toBeGreaterThan(0);
    await expect(
      asRole(
        t.db,
        'authenticated',
        (tx) => tx.query('select allow_users from feature_flags'),
        claims,
      ),
    ).rejects.toThrow(/permission denied/);
  });
});
