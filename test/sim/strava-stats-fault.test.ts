import { beforeEach, describe, expect, it } from 'vitest';
import { bearer, serveStravaSim } from './strava-helpers.ts';

/** The malformedStats knob: the stats endpoint answers JSON that is not ActivityStats. */
const env = serveStravaSim({ athletes: [{ seed: 'stats-fault', activityCount: 20 }] });
const { sim, athleteId } = env;
let token: string;

beforeEach(() => {
  token = sim.issueTokens(athleteId).access_token;
});

const get = (path: string) => fetch(`${env.url}/api/v3${path}`, { headers: bearer(token) });

describe('the malformedStats fault', () => {
  it('is off by default: the stats carry the run totals', async () => {
    const response = await get(`/athletes/${athleteId}/stats`);
    expect(response.status).toBe(200);
    expect((await response.json()).all_run_totals).toMatchObject({ count: expect.any(Number) });
  });

  it('answers 200 with parseable JSON without run totals, and leaves other endpoints alone', async () => {
    sim.faults.set({ malformedStats: true });
    const stats = await get(`/athletes/${athleteId}/stats`);
    expect(stats.status).toBe(200);
    const body = await stats.json();
    expect(body.all_run_totals).toBeNull();
    expect(body.all_ride_totals).toMatchObject({ count: expect.any(Number) });
    expect((await get('/athlete')).status).toBe(200);
    expect((await get('/athlete/activities?per_page=5')).status).toBe(200);
  });

  it('is set over the admin route and cleared by a reset', async () => {
    const set = await fetch(`${env.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ malformedStats: true }),
    });
    expect((await set.json()).malformedStats).toBe(true);
    expect((await (await get(`/athletes/${athleteId}/stats`)).json()).all_run_totals).toBeNull();
    sim.faults.reset();
    expect(sim.faults.settings.malformedStats).toBe(false);
  });
});
