import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstimateView } from '../../src/api/contract.ts';
import { DESKTOP, type DemoBrowser, screenshot, startDemoBrowser } from './demo-browser.ts';

/**
 * A history that needs more weather than a day's quota: an operator's small daily limit for
 * Open-Meteo (the demo's weather) spreads the demo runner's over days, and the dashboard says so
 * before and during the sync, with the date in the viewer's time zone.
 */
describe('the dashboard when weather takes days', () => {
  let demo: DemoBrowser;

  beforeAll(async () => {
    demo = await startDemoBrowser({ OPEN_METEO_DAILY_LIMIT: '40' });
  }, 180_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('says how many runs get weather today and the day the rest is done', {
    timeout: 120_000,
  }, async () => {
    // Kiritimati is 14 hours ahead of UTC: its date is not the quota's (UTC) date most hours.
    const timeZone = 'Pacific/Kiritimati';
    const page = await demo.newPage(DESKTOP, { timezoneId: timeZone });
    await page.goto(demo.url);
    await page.getByRole('button', { name: 'Connect Strava', exact: true }).click();
    await page.getByText('Connected', { exact: true }).waitFor();
    const estimate = await demo.api<EstimateView>('/api/estimate');
    expect(estimate.weather.days).toBeGreaterThan(1);
    expect(estimate.weather.runsToday).toBeLessThan(estimate.weather.lookups);
    const finishes = new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      timeZone,
    }).format(new Date(estimate.weather.finishesAt as string));
    const sentence = `${estimate.weather.runsToday.toLocaleString('en')} runs get weather today; the rest by ${finishes}.`;
    await page.locator('#estimate-summary').getByText(sentence).waitFor();

    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await page.locator('.progress .weather-days').getByText(sentence).waitFor();
    await screenshot(page, 'weather-days-desktop');
  });
});
