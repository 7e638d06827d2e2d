import { decode } from '@googlemaps/polyline-codec';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDetailView, ActivityPage } from '../../src/api/contract.ts';
import { dewPointFromHumidity, heatAdjustment } from '../../src/core/heat-adjusted-pace.ts';
import { lowContrastText } from './contrast.ts';
import {
  DESKTOP,
  type DemoBrowser,
  PHONE,
  screenshot,
  startDemoBrowser,
  waitFor,
} from './demo-browser.ts';

/**
 * The runs view, a run's page and the runner's units, in a real Chromium against `stridesync
 * start` in demo mode, after one demo sync. The steps share the server and run in order.
 */
describe('runs, a run’s page and units on the demo', () => {
  let demo: DemoBrowser;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemoBrowser();
    page = await demo.newPage(DESKTOP);
    await page.goto(demo.url);
    await page.getByRole('button', { name: 'Connect Strava', exact: true }).click();
    await page.getByText('Strava is connected. Sync to bring in your runs.').waitFor();
    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await page
      .getByText(/Last completed sync at .+: ([\d,]+ runs? new or changed|no new runs)\./)
      .waitFor({ timeout: 240_000 });
  }, 300_000);
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail')
      await screenshot(page, `failed-runs-${task.name.slice(0, 40)}`);
  });
  afterAll(async () => {
    await demo?.close();
  });

  /** The ids the list shows, in order. */
  const listed = () =>
    page
      .locator('table.runs-view tbody tr')
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.activityId ?? ''));
  /** The API's first page for the same query the view sends. */
  const answered = async (query: string) =>
    (await demo.api<ActivityPage>(`/api/activities?limit=50${query ? `&${query}` : ''}`)).items.map(
      (run) => run.id,
    );
  async function expectListed(query: string, what: string) {
    const expected = await answered(query);
    await waitFor(listed, (ids) => ids.join() === expected.join(), { what });
    return expected;
  }

  it('lists runs 50 a page, more as the list is scrolled, with time of day, heart rate and elevation', {
    timeout: 120_000,
  }, async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/runs');
    await expectListed('', 'the first page of 50');
    expect(await page.locator('table.runs-view thead th').allTextContents()).toEqual(
      expect.arrayContaining(['Start', 'Heart rate', 'Elev. gain']),
    );
    const starts = await page.locator('td[data-label="Start"]').allTextContents();
    expect(starts.every((time) => /^\d{2}:\d{2}$/.test(time))).toBe(true);
    const heart = await page.locator('td[data-label="Heart rate"]').allTextContents();
    expect(heart.some((bpm) => /^\d+ bpm$/.test(bpm))).toBe(true);
    const climb = await page.locator('td[data-label="Elev. gain"]').allTextContents();
    expect(climb.some((gain) => /^\d+ m$/.test(gain))).toBe(true);
    // Scrolling to the end of the list reads the next page, and the one after.
    await page.locator('.load-more').scrollIntoViewIfNeeded();
    await waitFor(listed, (ids) => ids.length >= 100, { what: 'the second page by scrolling' });
    // Long names are cut to one line, with the whole name as the link's title.
    const name = page.locator('table.runs-view .run-name a').first();
    expect(await name.getAttribute('title')).toBe(await name.textContent());
    expect(await name.evaluate((link) => getComputedStyle(link).textOverflow)).toBe('ellipsis');
    await screenshot(page, 'runs-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'runs-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.setViewportSize(DESKTOP);
  });

  it('narrows the list by search and by each filter as the API answers them, in a bookmarkable address', {
    timeout: 180_000,
  }, async () => {
    await page.goto(`${demo.url}/runs`);
    const [first] = (await demo.api<ActivityPage>('/api/activities?limit=1&weather=with')).items;
    const city = first?.place.city ?? '';
    expect(city).not.toBe('');

    await page.getByRole('searchbox', { name: 'Search' }).fill(city.toLowerCase());
    const found = await expectListed(`q=${encodeURIComponent(city.toLowerCase())}`, 'the search');
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan((await answered('')).length + 1);
    // The run the city came from is among them.
    expect(found).toContain(first?.id);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await expectListed('', 'the search cleared');

    const select = (name: string) => page.getByRole('combobox', { name, exact: true });
    const steps: [string, () => Promise<unknown>][] = [
      ['sportType=TrailRun', () => select('Kind').selectOption('TrailRun')],
      [
        'minDistanceM=10000&maxDistanceM=21097.5',
        () => select('Distance').selectOption('10000-21097.5'),
      ],
      ['weather=without', () => select('Weather').selectOption('without')],
      ['indoor=false', () => select('Indoors').selectOption('false')],
      ['sort=longest', () => select('Sort').selectOption('longest')],
      [
        'from=2025-01-01&to=2025-06-30',
        async () => {
          await page.getByLabel('From', { exact: true }).fill('2025-01-01');
          await page.getByLabel('To', { exact: true }).fill('2025-06-30');
        },
      ],
    ];
    const all = (await demo.api<ActivityPage>('/api/activities?limit=100')).items.length;
    for (const [query, apply] of steps) {
      await page.goto(`${demo.url}/runs`);
      await expectListed('', 'the whole list');
      await apply();
      const ids = await expectListed(query, query);
      expect(ids.length, query).toBeLessThanOrEqual(all);
      // The address holds the view: opened afresh, it shows the same list.
      expect(new URL(page.url()).search.slice(1).split('&').sort()).toEqual(
        query.split('&').sort(),
      );
      await page.goto(page.url());
      await expectListed(query, `${query} from its address`);
    }
    // The filters narrow: the list with all of them is no longer than with one.
    const combined = 'sportType=Run&weather=with&indoor=false&sort=oldest';
    await page.goto(`${demo.url}/runs?${combined}`);
    const narrowed = await expectListed(combined, 'combined filters from a bookmark');
    expect(narrowed.length).toBeGreaterThan(0);
    expect(await select('Sort').inputValue()).toBe('oldest');
  });

  it('draws a run’s route from its polyline, with its weather, place and sources', {
    timeout: 60_000,
  }, async () => {
    const withWeather = (await demo.api<ActivityPage>('/api/activities?limit=20&weather=with'))
      .items;
    let run: ActivityDetailView | undefined;
    for (const item of withWeather) {
      const detail = await demo.api<ActivityDetailView>(`/api/activities/${item.id}`);
      if (detail.summaryPolyline) {
        run = detail;
        break;
      }
    }
    if (!run?.summaryPolyline) throw new Error('the demo has no run with a route and weather');
    await page.goto(`${demo.url}/runs?weather=with`);
    await page.locator(`tr[data-activity-id="${run.id}"] .run-name a`).click();
    expect(new URL(page.url()).pathname).toBe(`/runs/${run.id}`);
    await page.getByRole('heading', { level: 1, name: run.name }).waitFor();

    const route = page.locator('svg.route-map path.route');
    const points = decode(run.summaryPolyline, 5).length;
    expect(Number(await route.getAttribute('data-points'))).toBe(points);
    const d = (await route.getAttribute('d')) ?? '';
    expect(d.match(/[ML]/g)?.length).toBe(points);
    expect(await page.locator('svg.route-map circle.start').count()).toBe(1);
    expect(await page.locator('svg.route-map circle.finish').count()).toBe(1);

    const figure = (name: string) => page.locator(`dd[data-figure="${name}"]`).textContent();
    expect(await figure('Temperature')).toMatch(/^-?\d+ °C$/);
    expect(await figure('Feels like')).toMatch(/^-?\d+ °C$/);
    expect(await figure('Humidity')).toMatch(/^\d+ %$/);
    expect(await figure('Wind')).toMatch(/^\d+ km\/h( from the [NESW]{1,2})?$/);
    expect(await figure('Precipitation')).toMatch(/^\d+\.\d mm$/);
    expect(await figure('Distance')).toMatch(/^\d+\.\d\d km$/);
    const { temperatureC, humidityPct } = run.weather;
    const heat = heatAdjustment(
      temperatureC ?? 0,
      dewPointFromHumidity(temperatureC ?? 0, humidityPct ?? 0),
    );
    expect(await figure('Heat-adjusted pace')).toMatch(
      heat.slowdownPct === 0
        ? /^the same: no cost for heat$/
        : new RegExp(`^\\d+:\\d\\d /km \\(${heat.slowdownPct.toFixed(1)} % for the heat`),
    );
    if (run.weather.windDeg !== null && (run.weather.windSpeedMps ?? 0) > 0)
      expect(await figure('For the runner')).toMatch(
        /^(a headwind|a tailwind|a crosswind|head- and tailwind in turn on a loop)$/,
      );
    const sources = await page.locator('.provenance').textContent();
    expect(sources).toMatch(/The weather: (Open-Meteo|OpenWeatherMap), looked up /);
    expect(await page.getByRole('link', { name: 'View on Strava' }).getAttribute('href')).toBe(
      `https://www.strava.com/activities/${run.id}`,
    );
    await screenshot(page, 'run-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'run-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.setViewportSize(DESKTOP);

    // Another runner's id (or none at all) is a run not found, said plainly.
    await page.goto(`${demo.url}/runs/1`);
    await page.getByRole('alert').getByText('There is no such run in your account.').waitFor();
  });

  it('switches every figure on every view to miles and °F, and keeps the choice over a reload', {
    timeout: 90_000,
  }, async () => {
    const [run] = (await demo.api<ActivityPage>('/api/activities?limit=1&weather=with')).items;
    if (!run) throw new Error('no run with weather');
    await page.goto(`${demo.url}/runs/${run.id}`);
    const figure = (name: string) => page.locator(`dd[data-figure="${name}"]`).textContent();
    await page.locator('dd[data-figure="Distance"]').waitFor();
    expect(await figure('Distance')).toMatch(/ km$/);

    await page.getByRole('radio', { name: 'Imperial: miles, °F' }).check();
    expect(await figure('Distance')).toBe(`${(run.distanceM / 1609.344).toFixed(2)} mi`);
    expect(await figure('Pace')).toMatch(/^\d+:\d\d \/mi$/);
    expect(await figure('Elevation gain')).toMatch(/^(\d+ ft|–)$/);
    expect(await figure('Temperature')).toMatch(/^-?\d+ °F$/);
    expect(await figure('Wind')).toMatch(/^\d+ mph/);
    expect(await figure('Precipitation')).toMatch(/ in$/);

    await page.reload();
    await page.locator('dd[data-figure="Distance"]').waitFor();
    expect(await figure('Distance')).toMatch(/ mi$/);
    expect(await page.getByRole('radio', { name: 'Imperial: miles, °F' }).isChecked()).toBe(true);

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator('table.runs-view tbody tr').first().waitFor();
    const texts = await page.locator('table.runs-view tbody').textContent();
    expect(texts).toMatch(/ mi/);
    expect(texts).toMatch(/\/mi/);
    expect(texts).toMatch(/°F/);
    expect(texts).not.toMatch(/ km|\/km|°C| m\b/);
    expect(await page.getByRole('combobox', { name: 'Distance' }).textContent()).toMatch(/mi/);

    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.locator('table.runs tbody tr').first().waitFor();
    const dashboard = await page.locator('table.runs tbody').textContent();
    expect(dashboard).toMatch(/ mi/);
    expect(dashboard).toMatch(/mph/);
    expect(dashboard).not.toMatch(/ km|\/km|°C|m\/s|km\/h/);
    await page.locator('#pace-chart').waitFor();
    expect(await page.locator('#pace-chart').getAttribute('aria-label')).toMatch(/°F/);
    expect(await page.locator('#month-chart').getAttribute('aria-label')).toMatch(/ mi over/);
    await screenshot(page, 'dashboard-imperial-desktop');

    await page.getByRole('radio', { name: 'Metric: kilometres, °C' }).check();
    expect(await page.locator('table.runs tbody').textContent()).toMatch(/ km/);
  });

  it('follows the athlete’s Strava units until the runner chooses', {
    timeout: 90_000,
  }, async () => {
    // The simulated athlete prefers metres; this browser's copy of the connection says feet, as
    // Strava does for a runner who set miles (`measurement_preference`, with profile:read_all).
    const fresh = await demo.newPage(DESKTOP);
    await fresh.route('**/api/strava/connection', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { athlete: { measurementPreference: string } };
      expect(body.athlete.measurementPreference).toBe('meters');
      body.athlete.measurementPreference = 'feet';
      await route.fulfill({ response, json: body });
    });
    await fresh.goto(demo.url);
    await waitFor(
      () => fresh.locator('table.runs tbody td[data-label="Distance"]').first().textContent(),
      (text) => / mi$/.test(text ?? ''),
      { what: 'distances in miles from the Strava preference' },
    );
    expect(await fresh.getByRole('radio', { name: 'Imperial: miles, °F' }).isChecked()).toBe(true);
    // Remembered for the views that do not read the connection.
    await fresh.unroute('**/api/strava/connection');
    await fresh.goto(`${demo.url}/runs`);
    await fresh.locator('table.runs-view tbody tr').first().waitFor();
    expect(await fresh.locator('td[data-label="Distance"]').first().textContent()).toMatch(/ mi$/);
    // The runner's own choice wins over Strava's, also once the connection is read again.
    await fresh.getByRole('radio', { name: 'Metric: kilometres, °C' }).check();
    await fresh.goto(demo.url);
    await fresh.locator('table.runs tbody tr').first().waitFor();
    expect(await fresh.locator('td[data-label="Distance"]').first().textContent()).toMatch(/ km$/);
    await fresh.context().close();
  });

  it('keeps text readable (4.5:1 or more) on every view in the light and the dark scheme', {
    timeout: 120_000,
  }, async () => {
    const [run] = (await demo.api<ActivityPage>('/api/activities?limit=1&weather=with')).items;
    const views: [name: string, path: string, ready: string][] = [
      ['dashboard', '/', '#pace-chart'],
      ['runs', '/runs', 'table.runs-view tbody tr'],
      ['run', `/runs/${run?.id}`, 'dd[data-figure="Distance"]'],
    ];
    const backgrounds = new Set<string>();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [name, path, ready] of views) {
        await page.goto(`${demo.url}${path}`);
        await page.locator(ready).first().waitFor();
        expect(await lowContrastText(page), `${name}, ${colorScheme}`).toEqual([]);
        backgrounds.add(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
        for (const [width, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          await page.setViewportSize(viewport);
          await screenshot(page, `${name}-${colorScheme}-${width}`);
        }
        await page.setViewportSize(DESKTOP);
      }
    }
    // The scheme did change: one page colour in light, another in dark.
    expect(backgrounds.size).toBe(2);
    // And the check sees poor contrast where there is some: grey on grey is caught.
    await page.evaluate(() => {
      const probe = document.createElement('p');
      probe.textContent = 'grey on grey';
      probe.style.cssText = 'color: #8a8a8a; background: #a0a0a0';
      document.querySelector('main')?.append(probe);
    });
    expect((await lowContrastText(page)).map((problem) => problem.text)).toEqual(['grey on grey']);
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
