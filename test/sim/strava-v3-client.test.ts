import { createRequire } from 'node:module';
import type { Strava } from 'strava-v3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApiSample } from '../support/api-samples.ts';
import { serveStravaSim } from './strava-helpers.ts';

/**
 * An independent Strava client (node-strava's `strava-v3`, unchanged) against the simulator:
 * if a library written against the real API works here, the simulator speaks Strava.
 * `strava-v3` sends API calls through an axios instance whose base URL it lets us set
 * (`setBaseURL` in its axiosUtility module); its OAuth calls use absolute www.strava.com
 * URLs, which an axios request interceptor on that same instance points at the simulator.
 */
interface AxiosUtility {
  setBaseURL(url: string): void;
  axiosInstance: {
    interceptors: {
      request: {
        use(handler: (config: { url?: string }) => { url?: string }): number;
        eject(id: number): void;
      };
    };
  };
}
// Loaded with require: the package is CommonJS, and its typings' `export default` describes
// `module.exports.default`, which does not exist at run time.
const require = createRequire(import.meta.url);
const strava = require('strava-v3') as Strava;
const axiosUtility = require('strava-v3/axiosUtility.js') as AxiosUtility;

const env = serveStravaSim({
  prefix: '/strava',
  athletes: [{ seed: 'strava-v3', activityCount: 80, years: 2 }],
});
const { sim, athleteId } = env;
let oauthBase: string;
let interceptor: number;

beforeAll(() => {
  oauthBase = `${env.url}/oauth/`;
  axiosUtility.setBaseURL(`${env.url}/api/v3/`);
  interceptor = axiosUtility.axiosInstance.interceptors.request.use((config) => ({
    ...config,
    url: config.url?.replace('https://www.strava.com/oauth/', oauthBase),
  }));
  strava.config({
    client_id: '12345',
    client_secret: 'sim-secret',
    redirect_uri: 'http://localhost:8788/callback',
  });
});
afterAll(() => {
  axiosUtility.axiosInstance.interceptors.request.eject(interceptor);
  axiosUtility.setBaseURL('https://www.strava.com/api/v3/');
});

async function connect(scope = 'read,activity:read_all') {
  const consent = strava.oauth.getRequestAccessURL({ scope, state: 'xyz' });
  expect(consent).toMatch(/^https:\/\/www\.strava\.com\/oauth\/authorize\?/);
  const redirect = await fetch(consent.replace('https://www.strava.com/oauth/', oauthBase), {
    redirect: 'manual',
  });
  const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
  return strava.oauth.getToken(code);
}

describe('strava-v3 against the simulator', () => {
  it('connects through OAuth and reads the athlete, activities, one activity and stats', async () => {
    const tokens = await connect();
    expect(tokens.athlete?.id).toBe(athleteId);
    expect(tokens.expires_in).toBe(21_600);

    const client = new strava.client(tokens.access_token);
    const page = await client.athlete.listActivities({ per_page: 5 });
    expect(page).toHaveLength(5);
    const newest = sim.activitiesOf(athleteId).at(-1)!;
    expect(page[0]!.id).toBe(newest.id);
    // The library read our rate-limit headers: one read of the 100 allowed per 15 minutes.
    expect(strava.rateLimiting.readFractionReached()).toBeCloseTo(1 / 100, 5);
    expect(strava.rateLimiting.fractionReached()).toBeCloseTo(1 / 200, 5);
    expect(strava.rateLimiting.exceeded()).toBe(false);

    const detail = await client.activities.get({ id: String(newest.id) });
    expect(detail).toMatchObject({ id: newest.id, resource_state: 3 });
    const stats = await client.athletes.stats({ id: String(athleteId) });
    expect(stats.all_run_totals.count).toBeGreaterThan(0);
    const athlete = await client.athlete.get({});
    expect(athlete.id).toBe(athleteId);
  });

  it('refreshes (same token while more than an hour is left) and deauthorizes', async () => {
    const tokens = await connect();
    const refreshed = await strava.oauth.refreshToken(tokens.refresh_token);
    expect(refreshed.access_token).toBe(tokens.access_token);
    const revoked = await strava.oauth.deauthorize({ access_token: tokens.access_token });
    expect(revoked).toEqual({ access_token: tokens.access_token });
    await expect(new strava.client(tokens.access_token).athlete.get({})).rejects.toMatchObject({
      statusCode: 401,
      data: readApiSample('strava_401_invalid_access_token.json'),
    });
  });

  it("sees Strava's errors as Strava sends them", async () => {
    const tokens = await connect('read');
    await expect(
      new strava.client(tokens.access_token).athlete.listActivities({}),
    ).rejects.toMatchObject({
      statusCode: 401,
      data: readApiSample('strava_401_missing_scope.json'),
    });
    const full = await connect();
    await expect(
      new strava.client(full.access_token).athlete.listActivities({ after: Date.now() - 60_000 }),
    ).rejects.toMatchObject({
      statusCode: 400,
      data: readApiSample('strava_400_after_future.json'),
    });
  });

  it('lists push subscriptions with the application credentials', async () => {
    expect(await strava.pushSubscriptions.list()).toEqual([]);
  });
});
