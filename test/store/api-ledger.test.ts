import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARRIVAL_MARGIN_MS, createApiLedger } from '../../src/budget/api-ledger.ts';
import { budgetOf, PROVIDER_BUDGETS, resolveLimits } from '../../src/budget/provider-limits.ts';
import { type BudgetLine, stravaBudgetLines } from '../../src/budget/rate-windows.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { RateLimitedError } from '../../src/core/errors.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

const tiny = (limit15: number, limitDaily: number): BudgetLine[] => [
  { bucket: 'overall:15min', window: '15min', limit: limit15 },
  { bucket: 'overall:daily', window: 'daily', limit: limitDaily },
];

async function rateLimited(promise: Promise<unknown>): Promise<RateLimitedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
  throw new Error('expected a RateLimitedError');
}

describe.each(ADAPTERS)('API ledger on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());

  it('lets the limit through, then parks until the quarter hour, then lets through again', async () => {
    const clock = createManualClock('2026-03-01T10:07:00Z');
    const ledger = createApiLedger(t.db, clock);
    for (let i = 0; i < 3; i++) await ledger.reserve('p1', tiny(3, 100));
    const error = await rateLimited(ledger.reserve('p1', tiny(3, 100)));
    expect(error.resumeAt).toEqual(new Date('2026-03-01T10:15:00Z'));
    expect(error.failureType).toBe('transient');
    expect(error.userMessage).toContain('2026-03-01T10:15:00.000Z');

    clock.set('2026-03-01T10:15:00Z');
    await ledger.reserve('p1', tiny(3, 100));
    expect((await ledger.snapshot('p1')).map((l) => [l.bucket, l.used])).toEqual([
      ['overall:15min', 1],
      ['overall:daily', 4],
    ]);
  });

  it('parks until midnight UTC when the daily limit is spent', async () => {
    const clock = createManualClock('2026-03-01T22:50:00Z');
    const ledger = createApiLedger(t.db, clock);
    await ledger.reserve('p2', tiny(10, 2));
    clock.advance(20 * 60_000);
    await ledger.reserve('p2', tiny(10, 2));
    const error = await rateLimited(ledger.reserve('p2', tiny(10, 2)));
    expect(error.resumeAt).toEqual(new Date('2026-03-02T00:00:00Z'));
  });

  it('reserves all lines or none', async () => {
    const ledger = createApiLedger(t.db, createManualClock('2026-03-01T10:00:00Z'));
    const limits = { overall15min: 10, overallDaily: 10, read15min: 1, readDaily: 10 };
    await ledger.reserve('p3', stravaBudgetLines('GET', limits));
    await rateLimited(ledger.reserve('p3', stravaBudgetLines('GET', limits)));
    const used = Object.fromEntries((await ledger.snapshot('p3')).map((l) => [l.bucket, l.used]));
    expect(used).toEqual({
      'overall:15min': 1,
      'overall:daily': 1,
      'read:15min': 1,
      'read:daily': 1,
    });
    await ledger.reserve('p3', stravaBudgetLines('POST', limits));
  });

  it('takes the usage and limits the API reports, and never lowers usage', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const ledger = createApiLedger(t.db, clock);
    await ledger.reserve('p4', tiny(200, 2000));
    await ledger.observe('p4', [
      { bucket: 'overall:15min', window: '15min', limit: 200, used: 199 },
      { bucket: 'overall:daily', window: 'daily', limit: 2000, used: 362 },
    ]);
    await ledger.observe('p4', [{ bucket: 'overall:15min', window: '15min', limit: 200, used: 3 }]);
    await ledger.reserve('p4', tiny(200, 2000));
    await rateLimited(ledger.reserve('p4', tiny(200, 2000)));
    expect((await ledger.snapshot('p4')).map((l) => [l.bucket, l.used, l.limit])).toEqual([
      ['overall:15min', 200, 200],
      ['overall:daily', 363, 2000],
    ]);
  });

  it('counts a call reserved in the last seconds of a window in the next one, where it may arrive', async () => {
    // The API counts a call when it arrives: reserved at :59.2, it may reach the API at :00.1.
    const clock = createManualClock('2026-03-01T10:00:59.200Z');
    const ledger = createApiLedger(t.db, clock);
    const perMinute: BudgetLine[] = [{ bucket: 'calls:minute', window: 'minute', limit: 3 }];
    await ledger.reserve('p6', perMinute);
    clock.set('2026-03-01T10:01:00Z');
    await ledger.reserve('p6', perMinute);
    await ledger.reserve('p6', perMinute);
    const error = await rateLimited(ledger.reserve('p6', perMinute));
    expect(error.resumeAt).toEqual(new Date('2026-03-01T10:02:00Z'));
    expect((await ledger.snapshot('p6')).map((l) => [l.bucket, l.used])).toEqual([
      ['calls:minute', 3],
    ]);

    // Reserved well inside its window, a call spends that window alone.
    clock.set(
      new Date(Date.parse('2026-03-01T10:03:00Z') - ARRIVAL_MARGIN_MS - 1000).toISOString(),
    );
    for (let i = 0; i < 3; i++) await ledger.reserve('p6', perMinute);
    clock.set('2026-03-01T10:03:00Z');
    for (let i = 0; i < 3; i++) await ledger.reserve('p6', perMinute);
  });

  it('drops windows older than two days when a new one opens', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const ledger = createApiLedger(t.db, clock);
    await ledger.reserve('p5', tiny(5, 5));
    clock.set('2026-03-05T10:00:00Z');
    await ledger.reserve('p5', tiny(5, 5));
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from api_budget where provider = 'p5'`,
    );
    expect(rows[0]?.n).toBe(2);
  });
});

describe('API ledger shared by many connections', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(() => t.dispose());

  it('never grants more than the limit to racing callers', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const handles = [createPgDatabase(t.url!, { max: 5 }), createPgDatabase(t.url!, { max: 5 })];
    try {
      const ledgers = handles.map((db) => createApiLedger(db, clock));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          ledgers[i % 2]!.reserve(
            'race',
            stravaBudgetLines('GET', {
              overall15min: 200,
              overallDaily: 2000,
              read15min: 13,
              readDaily: 1000,
            }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(13);
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected.every((o) => o.reason instanceof RateLimitedError)).toBe(true);
      const used = Object.fromEntries(
        (await ledgers[0]!.snapshot('race')).map((l) => [l.bucket, l.used]),
      );
      expect(used).toEqual({
        'overall:15min': 13,
        'overall:daily': 13,
        'read:15min': 13,
        'read:daily': 13,
      });
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  });
});

describe('the lines each provider call spends', () => {
  it('holds every line to its default limit (docs/weather.md, Budgets)', () => {
    const limits = resolveLimits();
    const line = (bucket: string, window: 'minute' | 'daily', limit: number) => ({
      bucket,
      window,
      limit,
    });
    expect(budgetOf(PROVIDER_BUDGETS.oneCall, limits.openWeatherMap)).toEqual({
      minute: line('calls:minute', 'minute', 60),
      daily: line('onecall:daily', 'daily', 1000),
    });
    expect(budgetOf(PROVIDER_BUDGETS.owmGeocoding, limits.openWeatherMap)).toEqual({
      minute: line('calls:minute', 'minute', 60),
      daily: line('geocoding:daily', 'daily', 10_000),
    });
    expect(budgetOf(PROVIDER_BUDGETS.openMeteo, limits.openMeteo)).toEqual({
      minute: line('weighted:minute', 'minute', 600),
      daily: line('weighted:daily', 'daily', 5000),
    });
    expect(budgetOf(PROVIDER_BUDGETS.nominatim, limits.nominatim)).toEqual({
      minute: line('calls:minute', 'minute', 60),
      daily: line('calls:daily', 'daily', 2500),
    });
  });

  it('takes overridden limits', () => {
    const limits = resolveLimits({ openWeatherMap: { oneCallPerDay: 5000, perMinute: 600 } });
    expect(budgetOf(PROVIDER_BUDGETS.oneCall, limits.openWeatherMap)).toEqual({
      minute: { bucket: 'calls:minute', window: 'minute', limit: 600 },
      daily: { bucket: 'onecall:daily', window: 'daily', limit: 5000 },
    });
  });
});
