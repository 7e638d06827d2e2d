import { Hono } from 'hono';
import { type Clock, systemClock } from '../src/core/clock.ts';
import { createNominatimSimulator } from './geocoding/nominatim.ts';
import { type AddAthleteOptions, createStravaSimulator } from './strava/index.ts';
import { createOpenMeteoSimulator } from './weather/open-meteo.ts';
import { createOpenWeatherMapSimulator, DEFAULT_OWM_KEY } from './weather/openweathermap.ts';

/**
 * All four simulators behind one Hono app, each under its own prefix, so one port serves them
 * and the system's base-URL variables point at them exactly as they would at the real hosts:
 *
 * | prefix             | stands in for                                   |
 * |--------------------|-------------------------------------------------|
 * | `/strava`          | www.strava.com (`/api/v3`, `/oauth`, `/_sim`)   |
 * | `/openweathermap`  | api.openweathermap.org                          |
 * | `/open-meteo`      | archive-api.open-meteo.com                      |
 * | `/nominatim`       | nominatim.openstreetmap.org                     |
 */
export interface SimulatorsOptions {
  clock?: Clock;
  /** Athletes the Strava simulator starts with. */
  athletes?: AddAthleteOptions[];
  /** Nominatim's one-request-per-second policy; the demo relaxes it (the service is local). */
  nominatimMinIntervalMs?: number;
}

export interface SimulatorUrls {
  stravaApiUrl: string;
  stravaOauthUrl: string;
  openWeatherApiUrl: string;
  openMeteoArchiveUrl: string;
  nominatimUrl: string;
}

export function createSimulators(options: SimulatorsOptions = {}) {
  const clock = options.clock ?? systemClock;
  const strava = createStravaSimulator({ clock, athletes: options.athletes ?? [] });
  const openWeatherMap = createOpenWeatherMapSimulator({ clock });
  const openMeteo = createOpenMeteoSimulator({ clock });
  const nominatim = createNominatimSimulator({
    clock,
    ...(options.nominatimMinIntervalMs === undefined
      ? {}
      : { minIntervalMs: options.nominatimMinIntervalMs }),
  });

  const app = new Hono()
    .route('/strava', strava.app)
    .route('/openweathermap', openWeatherMap.app)
    .route('/open-meteo', openMeteo.app)
    .route('/nominatim', nominatim.app);

  return {
    app,
    strava,
    openWeatherMap: openWeatherMap.control,
    openMeteo: openMeteo.control,
    nominatim: nominatim.control,
    /** The key the OpenWeatherMap simulator accepts out of the box. */
    openWeatherKey: DEFAULT_OWM_KEY,
    /** The simulators' Strava application. */
    stravaApp: {
      clientId: strava.defaultApp.clientId,
      clientSecret: strava.defaultApp.clientSecret,
    },
    /** Base URLs for a server at `base` (e.g. `http://127.0.0.1:8788`) with `app` at `mountPath`. */
    urls: (base: string, mountPath = ''): SimulatorUrls => simulatorUrls(base, mountPath),
    /** Releases hung requests and stops webhook deliveries; call before closing the server. */
    async close() {
      openWeatherMap.control.close();
      openMeteo.control.close();
      nominatim.control.close();
      await strava.close();
    },
  };
}

export type Simulators = ReturnType<typeof createSimulators>;

/** Where each simulator answers on a server at `base` with the simulators' app at `mountPath`. */
export function simulatorUrls(base: string, mountPath = ''): SimulatorUrls {
  const root = `${base.replace(/\/+$/, '')}${mountPath}`;
  return {
    stravaApiUrl: `${root}/strava/api/v3`,
    stravaOauthUrl: `${root}/strava/oauth`,
    openWeatherApiUrl: `${root}/openweathermap`,
    openMeteoArchiveUrl: `${root}/open-meteo/v1/archive`,
    nominatimUrl: `${root}/nominatim`,
  };
}
