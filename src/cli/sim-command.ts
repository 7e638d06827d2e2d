import { randomBytes } from 'node:crypto';
import { createSimulators } from '../../sim/index.ts';
import { startServer } from '../http/node-server.ts';
import { type CliCommand, CliUsageError } from './command.ts';

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'Serve the Strava, OpenWeatherMap, Open-Meteo and Nominatim simulators',
  usage: `Usage: stridesync sim [--port N] [--athletes N] [--activities N] [--years N] [--seed S]

Serves all four simulators on 127.0.0.1:N (default 8788), each under its own prefix, and
prints the environment that points stridesync (or any client) at them: pasted before
'stridesync start' it runs as it would against the real services, with a token encryption key
made for this run. docs/simulators.md lists every endpoint, knob and admin route.

Options:
  --port N         Port to listen on (default 8788).
  --athletes N     Simulated Strava athletes to generate (default 1).
  --activities N   Activities per athlete (default 800).
  --years N        Years of history per athlete (default 4).
  --seed S         Seed of the first athlete; others get S-2, S-3, … (default "demo").`,
  options: {
    port: { type: 'string' },
    athletes: { type: 'string' },
    activities: { type: 'string' },
    years: { type: 'string' },
    seed: { type: 'string' },
  },
  async run(values) {
    const port = positiveInt(values.port, 'port', 8788);
    const athleteCount = positiveInt(values.athletes, 'athletes', 1);
    const activityCount = positiveInt(values.activities, 'activities', 800);
    const years = positiveInt(values.years, 'years', 4);
    const seed = typeof values.seed === 'string' ? values.seed : 'demo';
    const sims = createSimulators({
      athletes: Array.from({ length: athleteCount }, (_, i) => ({
        seed: i === 0 ? seed : `${seed}-${i + 1}`,
        activityCount,
        years,
      })),
    });
    const server = await startServer(sims.app, { port });
    const urls = sims.urls(server.url);
    process.stdout.write(
      [
        `Simulators listening on ${server.url}`,
        `  admin:  ${server.url}/strava/_sim/state`,
        'Point stridesync at them with:',
        `  STRAVA_CLIENT_ID=${sims.stravaApp.clientId} STRAVA_CLIENT_SECRET=${sims.stravaApp.clientSecret}`,
        `  STRAVA_API_URL=${urls.stravaApiUrl} STRAVA_OAUTH_URL=${urls.stravaOauthUrl}`,
        `  OPENWEATHER_API_URL=${urls.openWeatherApiUrl} OPENWEATHER_API_KEY=${sims.openWeatherKey}`,
        `  OPEN_METEO_ARCHIVE_URL=${urls.openMeteoArchiveUrl} NOMINATIM_URL=${urls.nominatimUrl}`,
        // Real credentials ask for a key of one's own; this one is fresh each run, so tokens
        // stored with it are unreadable after the next (reconnect, as after a key change).
        `  TOKEN_ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await sims.close();
    await server.close();
  },
};

function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliUsageError(`--${name} must be a positive integer (got '${value}')`);
  return n;
}
