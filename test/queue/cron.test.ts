import { describe, expect, it } from 'vitest';
import { cronTicks, firesAt, parseCron } from '../../src/core/cron.ts';
import { TICK_MS, tickWindow } from '../../src/queue/scheduled-tick.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseCron', () => {
  it('reads values, ranges, steps, lists and names', () => {
    const cron = parseCron('*/20 6-8,22 * jan-mar mon-fri');
    expect([...cron.minutes]).toEqual([0, 20, 40]);
    expect([...cron.hours]).toEqual([6, 7, 8, 22]);
    expect([...cron.months]).toEqual([1, 2, 3]);
    expect([...cron.weekdays]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('5/15 * * * *').minutes]).toEqual([5, 20, 35, 50]);
    expect([...parseCron('0 0 * * 7').weekdays]).toEqual([0]);
  });

  it.each([
    ['@hourly', 'is not a five-field cron expression'],
    ['0 0 * * * *', 'is not a five-field cron expression'],
    ['60 * * * *', "the minute field '60' has 60, outside 0-59"],
    ['* 24 * * *', "the hour field '24' has 24, outside 0-23"],
    ['* * 0 * *', "the day of month field '0' has 0, outside 1-31"],
    ['* * * 13 *', "the month field '13' has 13, outside 1-12"],
    ['* * * * 8', "the day of week field '8' has 8, outside 0-7"],
    ['10-5 * * * *', "the minute field '10-5' has a range that runs backwards"],
    ['*/0 * * * *', "the minute field '*/0' has a step below 1"],
    ['? * * * *', "the minute field '?' is not a value, range, list or step"],
    ['* * * smarch *', "the month field 'smarch' has 'smarch', which is not a number"],
  ])('refuses %s: %s', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe('firesAt and cronTicks', () => {
  it('fires on matching minutes only, in UTC', () => {
    const nightly = parseCron('30 3 * * *');
    expect(firesAt(nightly, at('2026-03-10T03:30:00Z'))).toBe(true);
    expect(firesAt(nightly, at('2026-03-10T03:31:00Z'))).toBe(false);
    expect(firesAt(nightly, at('2026-03-10T04:30:00Z'))).toBe(false);
  });

  it('takes a day that either day field names when both are restricted', () => {
    // The 13th, or any Friday.
    const cron = parseCron('0 12 13 * fri');
    expect(firesAt(cron, at('2026-03-13T12:00:00Z'))).toBe(true); // a Friday the 13th
    expect(firesAt(cron, at('2026-04-13T12:00:00Z'))).toBe(true); // a Monday
    expect(firesAt(cron, at('2026-04-17T12:00:00Z'))).toBe(true); // a Friday
    expect(firesAt(cron, at('2026-04-16T12:00:00Z'))).toBe(false);
    // Only the weekday restricted: every Friday, not every 13th.
    expect(firesAt(parseCron('0 12 * * fri'), at('2026-04-13T12:00:00Z'))).toBe(false);
  });

  it('lists the ticks in (after, upTo]', () => {
    const ticks = cronTicks(
      parseCron('*/20 * * * *'),
      at('2026-03-10T10:00:00Z'),
      at('2026-03-10T11:00:00Z'),
    );
    expect(ticks.map(iso)).toEqual([
      '2026-03-10T10:20:00.000Z',
      '2026-03-10T10:40:00.000Z',
      '2026-03-10T11:00:00.000Z',
    ]);
  });
});

describe('tickWindow', () => {
  it('answers for the ten minutes up to this run, from the next run Netlify announces', () => {
    // Invoked late or early, the window is the same: the one before next_run.
    for (const nowIso of ['2026-03-10T10:20:04Z', '2026-03-10T10:19:58Z']) {
      expect(tickWindow('2026-03-10T10:30:00Z', at(nowIso))).toEqual({
        afterMs: at('2026-03-10T10:10:00Z'),
        upToMs: at('2026-03-10T10:20:00Z'),
      });
    }
  });

  it('tiles time: consecutive runs cover every minute once', () => {
    const first = tickWindow('2026-03-10T10:30:00Z', at('2026-03-10T10:20:00Z'));
    const second = tickWindow('2026-03-10T10:40:00Z', at('2026-03-10T10:30:00Z'));
    expect(second.afterMs).toBe(first.upToMs);
    expect(second.upToMs - second.afterMs).toBe(TICK_MS);
  });

  it('without next_run, ends at the last tick boundary', () => {
    expect(tickWindow(undefined, at('2026-03-10T10:27:13Z'))).toEqual({
      afterMs: at('2026-03-10T10:10:00Z'),
      upToMs: at('2026-03-10T10:20:00Z'),
    });
    expect(tickWindow('not a time', at('2026-03-10T10:27:13Z')).upToMs).toBe(
      at('2026-03-10T10:20:00Z'),
    );
  });
});
