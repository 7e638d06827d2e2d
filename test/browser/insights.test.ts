import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { DESKTOP, type DemoBrowser, PHONE, screenshot, startDemoBrowser } from './demo-browser.ts';

const DAY_MS = 86_400_000;

interface SeededRun {
  at: Date;
  distanceM: number;
  movingTimeS: number;
  temperatureC: number | null;
}

/**
 * Thirty recent runs of 10 km in three temperature bands (5:30/km at 5 °C, 5:00 at 15 °C,
 * 5:48 at 25 °C), and four runs of 8 km a year ago without weather: in the months' totals,
 * not in the pace plot.
 */
function seededRuns(now: number): SeededRun[] {
  const bands = [
    [5, 330],
    [15, 300],
    [25, 348],
  ] as const;
  const recent = bands.flatMap(([temperatureC, pace], b) =>
    Array.from({ length: 10 }, (_, i) => ({
      at: new Date(now - (b * 10 + i + 1) * DAY_MS),
      distanceM: 10_000,
      movingTimeS: pace * 10,
      temperatureC,
    })),
  );
  const yearAgo = Array.from({ length: 4 }, (_, k) => ({
    at: new Date(now - (366 + k) * DAY_MS),
    distanceM: 8_000,
    movingTimeS: 2_400,
    temperatureC: null,
  }));
  return [...recent, ...yearAgo];
}

/** The year sentence for the seeded runs, worked out from their dates. */
function expectedYearSentence(runs: SeededRun[], now: Date): string {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const km = (y: number) =>
    runs
      .filter((r) => r.at.getUTCFullYear() === y && r.at.getUTCMonth() <= month)
      .reduce((sum, r) => sum + r.distanceM / 1000, 0);
  const [thisKm, lastKm] = [km(year), km(year - 1)];
  const head = `${year} so far: ${Math.round(thisKm).toLocaleString('en-US')} km`;
  if (lastKm === 0) return `${head}; no runs in the same months of ${year - 1}.`;
  const change = Math.round(((thisKm - lastKm) / lastKm) * 100);
  const against =
    change === 0 ? 'level with' : `${Math.abs(change)} % ${change > 0 ? 'ahead of' : 'behind'}`;
  return `${head}, ${against} ${year - 1} by the same month (${Math.round(lastKm).toLocaleString('en-US')} km).`;
}

/** The insights panel in a real Chromium, over runs seeded into the demo's own database. */
describe('the insights panel', () => {
  let demo: DemoBrowser;
  let page: Page;
  const now = new Date();
  const runs = seededRuns(now.getTime());

  beforeAll(async () => {
    demo = await startDemoBrowser();
    for (const [i, run] of runs.entries()) {
      await demo.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
           distance_m, moving_time_s, elapsed_time_s, strava_summary, weather_status, temperature_c)
         values ($1, $2, 1, 'Run', 'Run', $3, $4, $5, $6, $6, '{}', $7, $8)`,
        [
          String(9_100_000_000 + i),
          DEMO_USER.id,
          run.at.toISOString(),
          run.at.toISOString().slice(0, 19),
          run.distanceM,
          run.movingTimeS,
          run.temperatureC === null ? 'pending' : 'enriched',
          run.temperatureC,
        ],
      );
    }
    page = await demo.newPage(DESKTOP);
  }, 180_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('draws pace against temperature with its trend and names the best temperature', {
    timeout: 60_000,
  }, async () => {
    await page.goto(demo.url);
    const chart = page.locator('svg#insight-temperature-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('circle.run').count()).toBe(30);
    expect(await chart.locator('line.trend').count()).toBe(1);
    expect(await chart.locator('rect.best-band').count()).toBe(1);
    // By hand: x̄ = 15, ȳ = 326, Sxx = 2000, Sxy = 1800: 0.9 s/km slower per °C.
    const summary =
      'Your best temperature is 15 to 20 °C: a median pace of 5:00 /km over 10 runs. ' +
      'Trend: 0.9 s/km slower for each °C warmer (fitted over 30 runs).';
    expect(await page.locator('#insight-temperature-summary').textContent()).toBe(summary);
    // The chart's accessible name is that summary.
    expect(await page.getByRole('img', { name: summary }).count()).toBe(1);
    // The trend falls to the right: slower (lower on the chart, faster is up) when warmer.
    const [y1, y2] = await Promise.all([
      chart.locator('line.trend').getAttribute('y1'),
      chart.locator('line.trend').getAttribute('y2'),
    ]);
    expect(Number(y2)).toBeGreaterThan(Number(y1));

    const table = page.locator('details', { hasText: 'Pace by temperature band as a table' });
    await table.locator('summary').click();
    expect(await table.locator('tbody tr').allTextContents()).toEqual([
      '5 to 10 °C105:30 /km',
      '15 to 20 °C (best)105:00 /km',
      '25 to 30 °C105:48 /km',
    ]);
  });

  it('sets this year against last year by month', { timeout: 60_000 }, async () => {
    const chart = page.locator('svg#insight-year-chart');
    await chart.waitFor();
    expect(await chart.locator('polyline.this-year').count()).toBe(1);
    expect(await chart.locator('polyline.previous-year').count()).toBe(1);
    // This year's line stops at the current month; last year's runs the whole year.
    const points = async (cls: string) =>
      ((await chart.locator(`polyline.${cls}`).getAttribute('points')) ?? '').split(' ').length;
    expect(await points('this-year')).toBe(now.getUTCMonth() + 1);
    expect(await points('previous-year')).toBe(12);
    expect(await page.locator('#insight-year-summary').textContent()).toBe(
      expectedYearSentence(runs, now),
    );
    const table = page.locator('details', { hasText: 'this year and last, as a table' });
    expect(await table.locator('tbody tr').count()).toBe(12);

    await screenshot(page, 'insights-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'insights-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
  });
});
