import { describe, expect, it } from 'vitest';
import { weatherDaysText } from '../../src/core/weather-days.ts';

describe('weatherDaysText', () => {
  it('says nothing when today’s quota is enough', () => {
    expect(weatherDaysText({ runsToday: 412, days: 1, finishesAt: '2026-12-05T13:00:00Z' })).toBe(
      undefined,
    );
    expect(weatherDaysText({ runsToday: 0, days: 1, finishesAt: null })).toBe(undefined);
  });

  it('says how many runs get weather today and the day the rest is done, in the reader’s zone', () => {
    const weather = { runsToday: 1412, days: 4, finishesAt: '2026-12-07T23:30:00Z' };
    expect(weatherDaysText(weather, { timeZone: 'UTC' })).toBe(
      '1,412 runs get weather today; the rest by Mon 7 Dec',
    );
    // Half past midnight on the 8th in Paris.
    expect(weatherDaysText(weather, { timeZone: 'Europe/Paris' })).toBe(
      '1,412 runs get weather today; the rest by Tue 8 Dec',
    );
    expect(weatherDaysText({ ...weather, runsToday: 1 }, { timeZone: 'UTC' })).toBe(
      '1 run gets weather today; the rest by Mon 7 Dec',
    );
  });
});
