import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR,
  accentPixels,
  countOf,
  DESKTOP,
  type DemoBrowser,
  PHONE,
  percentOf,
  screenshot,
  startDemoBrowser,
  waitFor,
} from './demo-browser.ts';

/**
 * The README's picture. Rewritten only on request (UPDATE_SCREENSHOTS=1), since its clock times
 * change on every run; otherwise it goes to the artifacts with the others.
 */
const README_SCREENSHOT = process.env.UPDATE_SCREENSHOTS
  ? new URL('../../docs/screenshots/dashboard.png', import.meta.url).pathname
  : path.join(ARTIFACTS_DIR, 'readme-dashboard-desktop.png');
/**
 * Strava answers this slowly while a test watches a sync move: the demo is otherwise over before
 * a page that polls every 2 s has seen it twice.
 */
const SLOW_STRAVA = { latencyMs: 2_500 };

/**
 * The runner's journeys through the dashboard, in a real Chromium against `stridesync start` in
 * demo mode. The steps share one server and one demo runner and run in order: each begins where
 * the one before left the account.
 */
describe('the dashboard on the demo', () => {
  let demo: DemoBrowser;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoBrowser();
    page = await demo.newPage(DESKTOP);
  }, 180_000);
  afterEach(async ({ task }) => {
    // What the page showed when a step failed, for whoever reads the CI artifacts.
    if (task.result?.state !== 'fail') return;
    const pages = demo.browser.contexts().flatMap((context) => context.pages());
    for (const [i, open] of pages.entries())
      await screenshot(open, `failed-${task.name.slice(0, 40)}-${i}`);
  });
  afterAll(async () => {
    await demo?.close();
  });

  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const status = () => page.getByRole('status').first().textContent();

  it('shows Strava’s refusal with its message, then connects', { timeout: 60_000 }, async () => {
    await page.goto(demo.url);
    await button('Connect Strava').waitFor();
    // GeoNames' licence (CC BY 4.0) asks for credit where its places are shown.
    const footer = page.getByRole('contentinfo');
    expect(await footer.getByRole('link', { name: 'GeoNames' }).getAttribute('href')).toBe(
      'https://www.geonames.org/',
    );
    expect(await footer.textContent()).toContain('CC BY 4.0');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'not-connected-desktop.png') });

    await demo.simAdmin('/knobs', { authorizeDecision: 'deny' });
    await button('Connect Strava').click();
    const alert = page.getByRole('alert');
    // Strava's answer lands on the dashboard, which hands it to the API and shows the API's words.
    await alert.getByText('access was not granted').waitFor();
    expect(new URL(page.url()).search).toBe('');

    await demo.simAdmin('/knobs', { authorizeDecision: 'approve' });
    await alert.getByRole('button', { name: 'Connect Strava' }).click();
    await page.getByText('Strava is connected. Sync to bring in your runs.').waitFor();
    await page.getByText('Connected', { exact: true }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    // No code or state is left in the address bar (nor anything else Strava added).
    expect(new URL(page.url()).search).toBe('');
    // The estimate is shown before the runner commits to a sync, with what makes it uncertain.
    const estimate = await page.locator('#estimate-summary').textContent();
    expect(estimate).toMatch(
      /About [\d,]+ runs to bring in: [\d,]+ Strava calls?, [\d,]+ runs to look up \([\d,]+ weather and place calls, the rest from the cache\), about \d+/,
    );
    expect(estimate).toContain('Strava counts only runs visible to Everyone');
  });

  it('syncs with progress advancing, then shows runs with weather and place, and both charts', {
    timeout: 240_000,
  }, async () => {
    await demo.simAdmin('/faults', SLOW_STRAVA);
    await button('Sync now').click();
    const progress = page.getByRole('progressbar', { name: 'Sync progress' });
    await progress.waitFor();
    const first = await waitFor(
      () => countOf(page, 'stored'),
      (stored) => stored > 0,
      { what: 'the first runs stored' },
    );
    const percentFirst = await progress.getAttribute('value');
    await waitFor(
      () => countOf(page, 'stored'),
      (stored) => stored > first,
      {
        what: 'more runs stored than the first count',
      },
    );
    expect(Number(await progress.getAttribute('value'))).toBeGreaterThan(Number(percentFirst));
    expect(await page.locator('.progress .phase').textContent()).toMatch(/Fetching|Adding weather/);
    await screenshot(page, 'sync-progress-desktop');

    await demo.simAdmin('/faults/reset', {});
    await page
      .getByText(/Last completed sync at .+: ([\d,]+ runs? new or changed|no new runs)\./)
      .waitFor({ timeout: 180_000 });
    expect(await status()).toMatch(/Sync completed: [\d,]+ runs stored\./);

    const rows = page.locator('table.runs tbody tr');
    await waitFor(
      () => rows.count(),
      (n) => n === 20,
      { what: 'a first page of 20 runs' },
    );
    const places = await page.locator('table.runs td.place').allTextContents();
    expect(places.filter((p) => /^[^,]+, [^,]+$/.test(p)).length).toBeGreaterThan(10);
    const weather = page.locator('table.runs td.weather [role="img"]');
    expect(await weather.count()).toBeGreaterThan(10);
    expect(await weather.first().getAttribute('aria-label')).toMatch(/\w+/);
    const temperatures = await page.locator('table.runs td[data-label="Temp."]').allTextContents();
    expect(temperatures.filter((t) => /^-?\d+ °C$/.test(t)).length).toBeGreaterThan(10);

    await button('Load more runs').click();
    await waitFor(
      () => rows.count(),
      (n) => n === 40,
      { what: 'the second page appended' },
    );

    expect(await accentPixels(page, 'pace-chart')).toBeGreaterThan(200);
    expect(await accentPixels(page, 'month-chart')).toBeGreaterThan(200);
    expect(await page.locator('#pace-chart').getAttribute('aria-label')).toMatch(
      /Pace against temperature: \d+ runs from -?\d+ °C to -?\d+ °C\./,
    );
    const monthRows = await page
      .locator('details', { hasText: 'Distance per month as a table' })
      .locator('tbody tr')
      .count();
    expect(monthRows).toBeGreaterThan(36);

    await screenshot(page, 'after-sync-desktop');
    // The README's picture: the top of the page, where the cards, the charts and the first runs are.
    mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({
      path: README_SCREENSHOT,
      fullPage: true,
      clip: { x: 0, y: 0, width: DESKTOP.width, height: 1300 },
    });
    await page.setViewportSize(PHONE);
    await screenshot(page, 'after-sync-phone');
    // Nothing scrolls sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.setViewportSize(DESKTOP);
  });

  it('disconnects with the runs deleted, reconnects, and cancels the new backfill', {
    timeout: 180_000,
  }, async () => {
    await button('Disconnect Strava').click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Strava?' });
    await dialog.waitFor();
    await dialog
      .getByRole('checkbox', { name: 'Also delete my synced runs from stridesync' })
      .check();
    await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByText(/Strava is disconnected and [\d,]+ runs deleted\./).waitFor();
    await page.getByText('No runs yet.', { exact: false }).waitFor();

    await button('Connect Strava').click();
    await page.getByText('Strava is connected. Sync to bring in your runs.').waitFor();
    await demo.simAdmin('/faults', SLOW_STRAVA);
    await button('Sync now').click();
    await waitFor(
      () => countOf(page, 'stored'),
      (stored) => stored > 0,
      {
        what: 'the backfill under way',
      },
    );
    await button('Cancel sync').click();
    await page
      .getByText(/The latest sync at .+: Cancelled, [\d,]+ runs? stored before it stopped\./)
      .waitFor({ timeout: 60_000 });
    expect(await status()).toBe('Sync cancelled.');
    // Runs stored before the cancel wait for weather, and nothing is looking it up now.
    await page.getByText('waiting for the next sync').first().waitFor();
    expect(await page.getByText('looking up…').count()).toBe(0);
    await demo.simAdmin('/faults/reset', {});
    await screenshot(page, 'cancelled-desktop');
  });

  it('follows progress by polling when the event stream is blocked, and after a reload', {
    timeout: 240_000,
  }, async () => {
    const blocked = await demo.newPage(PHONE);
    await blocked.route('**/api/syncs/*/events', (route) => route.abort());
    await blocked.goto(demo.url);
    const sync = blocked.getByRole('button', { name: 'Sync now', exact: true });
    await waitFor(() => sync.isEnabled(), Boolean, { what: 'Sync now enabled once connected' });
    await demo.simAdmin('/faults', SLOW_STRAVA);
    // The keyboard alone starts it.
    await sync.focus();
    await blocked.keyboard.press('Enter');
    // Generous: CI runs this beside the chaos and load suites on two cores.
    await blocked.getByText('Updates: checking every few seconds.').waitFor({ timeout: 90_000 });
    const first = await waitFor(
      () => percentOf(blocked),
      (percent) => percent > 0,
      { what: 'progress by polling' },
    );
    await waitFor(
      () => percentOf(blocked),
      (percent) => percent > first,
      { what: 'progress advancing by polling' },
    );
    await screenshot(blocked, 'polling-progress-phone');

    // A reload mid-sync picks the running sync up again at once. Strava's next answer is held
    // (a hung call waits out its timeout and retries) so the sync cannot end before the reload.
    await demo.simAdmin('/faults', { hangRate: 1 });
    await blocked.reload();
    await blocked.getByRole('progressbar', { name: 'Sync progress' }).waitFor();
    expect(await percentOf(blocked)).toBeGreaterThanOrEqual(first);

    await demo.simAdmin('/faults/reset', {});
    await blocked
      .getByText(/Last completed sync at .+: ([\d,]+ runs? new or changed|no new runs)\./)
      .waitFor({ timeout: 180_000 });
    await blocked.context().close();
  });

  it('shows "Reconnect Strava" after Strava revokes access, and a sync completes after reconnecting', {
    timeout: 240_000,
  }, async () => {
    const state = (await demo.simAdmin('/state')) as { athletes: { id: number }[] };
    const athleteId = state.athletes[0]?.id;
    await demo.simAdmin('/mutations', { type: 'deauthorize', athleteId });

    await page.reload();
    await button('Sync now').click();
    const alert = page.getByRole('alert');
    await alert.getByRole('button', { name: 'Reconnect Strava' }).waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/Reconnect Strava/);
    await screenshot(page, 'reconnect-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'reconnect-phone');
    await page.setViewportSize(DESKTOP);

    await alert.getByRole('button', { name: 'Reconnect Strava' }).click();
    await page.getByText('Strava is connected. Sync to bring in your runs.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await button('Sync now').click();
    // The line below also matches the sync before: wait for this one to end, lest it run into
    // the next journey.
    await waitFor(
      async () =>
        (await demo.api<{ items: { status: string }[] }>('/api/syncs?limit=1')).items[0]?.status,
      (status) => status === 'completed',
      { what: 'the sync after reconnecting to complete', timeoutMs: 180_000 },
    );
    await page
      .getByText(/Last completed sync at .+: ([\d,]+ runs? new or changed|no new runs)\./)
      .waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('says until when a sync waits for Strava’s rate-limit window, in the viewer’s time, and cancels it', {
    timeout: 120_000,
  }, async () => {
    // Last of the Strava journeys: the spent budget blocks this server's syncs until it resets.
    const zone = 'Asia/Kolkata';
    const parked = await demo.newPage(DESKTOP, { timezoneId: zone });
    await parked.goto(demo.url);
    const sync = parked.getByRole('button', { name: 'Sync now', exact: true });
    await waitFor(() => sync.isEnabled(), Boolean, { what: 'Sync now enabled once connected' });
    await demo.simAdmin('/rate-limits', { spend: { requests: 1_000, kind: 'read' } });
    await sync.click();

    const waiting = parked.locator('.progress .waiting');
    await waiting.waitFor({ timeout: 60_000 });
    const [latest] = (
      await demo.api<{ items: { status: string; progress: { waitingUntil: string } }[] }>(
        '/api/syncs?limit=1',
      )
    ).items;
    expect(latest?.status).toBe('rate_limited');
    const until = new Date(latest?.progress.waitingUntil ?? '');
    const localTime = until.toLocaleTimeString('en-US', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
    });
    expect(await waiting.textContent()).toMatch(
      new RegExp(`^Waiting for Strava’s rate-limit window until (\\w{3} \\d+ )?${localTime}$`),
    );
    await screenshot(parked, 'rate-limited-desktop');

    await parked.getByRole('button', { name: 'Cancel sync' }).click();
    await parked
      .getByText(/The latest sync at .+: Cancelled, [\d,]+ runs? stored before it stopped\./)
      .waitFor({ timeout: 30_000 });
    // The cancelled sync does not hide the last good one.
    await parked.getByText(/Last completed sync at /).waitFor();
    await parked.context().close();
  });

  it('serves the app for its own routes but never for the API’s', async () => {
    const appRoute = await fetch(`${demo.url}/runs/some-client-route`);
    expect(appRoute.status).toBe(200);
    expect(await appRoute.text()).toContain('<div id="root">');
    const unknownApi = await fetch(`${demo.url}/api/no-such-route`);
    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toMatchObject({ error: { code: 'not_found' } });
    const missingAsset = await fetch(`${demo.url}/assets/missing.js`);
    expect(missingAsset.status).toBe(404);
  });
});
