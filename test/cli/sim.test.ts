import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';

describe('stridesync sim', () => {
  const running: CliProcess[] = [];
  afterAll(() => {
    for (const p of running) p.child.kill('SIGKILL');
  });

  it('serves all four simulators on one port and prints the environment that uses them', async () => {
    const port = await freePort();
    const p = runCli(['sim', '--port', String(port), '--activities', '50', '--years', '1'], {});
    running.push(p);
    await p.waitForOutput(/Press Ctrl-C/);
    const env = Object.fromEntries(
      [...p.stdout().matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(env.STRAVA_API_URL).toBe(`http://127.0.0.1:${port}/strava/api/v3`);

    const state = await (await fetch(`http://127.0.0.1:${port}/strava/_sim/state`)).json();
    const [athlete] = state.athletes;
    expect(athlete.activityCount).toBe(50);

    const token = await fetch(`http://127.0.0.1:${port}/strava/_sim/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ athleteId: athlete.id, scopes: ['read', 'activity:read_all'] }),
    });
    const { access_token } = await token.json();
    const page = await fetch(`${env.STRAVA_API_URL}/athlete/activities?per_page=200`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(page.headers.get('x-ratelimit-limit')).toBe('200,2000');
    expect(await page.json()).toHaveLength(50);

    const owm = await fetch(
      `${env.OPENWEATHER_API_URL}/data/3.0/onecall/timemachine?lat=51.5&lon=-0.12&dt=1700000000&appid=${env.OPENWEATHER_API_KEY}&units=metric`,
    );
    expect((await owm.json()).data[0].temp).toEqual(expect.any(Number));

    const meteo = await fetch(
      `${env.OPEN_METEO_ARCHIVE_URL}?latitude=51.5&longitude=-0.12&start_date=2024-01-01&end_date=2024-01-01&hourly=temperature_2m`,
    );
    expect((await meteo.json()).hourly.temperature_2m).toHaveLength(24);

    const place = await fetch(
      `http://127.0.0.1:${port}/nominatim/reverse?lat=51.5&lon=-0.12&format=jsonv2`,
      {
        headers: { 'user-agent': 'stridesync-test/1.0' },
      },
    );
    expect((await place.json()).address.country_code).toBe('gb');

    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('prints an environment stridesync starts with, every provider pointed at the simulators', async () => {
    const port = await freePort();
    const sim = runCli(['sim', '--port', String(port), '--activities', '20', '--years', '1'], {});
    running.push(sim);
    await sim.waitForOutput(/Press Ctrl-C/);
    const env = Object.fromEntries(
      [...sim.stdout().matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]),
    );
    const config = loadConfig(env);
    expect(config.mode).toBe('live');
    const simUrls = [
      config.strava.apiUrl,
      config.strava.oauthUrl,
      config.weather.openWeatherApiUrl,
      config.weather.openMeteoArchiveUrl,
      config.weather.nominatimUrl,
    ];
    expect(simUrls.every((url) => url.startsWith(`http://127.0.0.1:${port}/`))).toBe(true);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-sim-env-'));
    try {
      const appPort = await freePort();
      const app = runCli(['start'], {
        ...env,
        PORT: String(appPort),
        STRIDESYNC_DATA_DIR: dataDir,
      });
      running.push(app);
      const [, url] = await app.waitForOutput(/Health: (http:\/\/\S+)\/api\/health/, 60_000);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      app.child.kill('SIGINT');
      expect(await app.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad option value with its usage', async () => {
    const p = runCli(['sim', '--port', 'x'], {});
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('--port must be a positive integer');
  });
});
