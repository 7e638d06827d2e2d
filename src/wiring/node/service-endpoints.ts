import { simulatorUrls } from '../../../sim/index.ts';
import { DEFAULT_APP } from '../../../sim/strava/index.ts';
import type { Config } from '../../config/config.ts';
import type { StravaEndpoints } from '../strava-deps.ts';

/** Where the in-process simulators are mounted on the local server in demo mode. */
export const SIMULATORS_PATH = '/sim';

export interface ServiceEndpoints {
  strava: StravaEndpoints;
  weather: Config['weather'];
}

/**
 * The external services a long-running process talks to, and `stridesync doctor` checks. With
 * Strava credentials: the configuration as it is. In demo mode: the simulators the local server
 * at `localUrl` serves under SIMULATORS_PATH, as its Strava (the simulator's application, client
 * id 12345), its Open-Meteo and its Nominatim (the latter only with PLACE_PROVIDER=nominatim:
 * places are offline by default); an OpenWeatherMap key set in demo mode means the real
 * OpenWeatherMap, so the weather settings are then kept as configured.
 */
export function serviceEndpoints(
  config: Config,
  localUrl = `http://127.0.0.1:${config.port}`,
): ServiceEndpoints {
  if (config.mode !== 'demo') {
    return {
      strava: {
        apiUrl: config.strava.apiUrl,
        oauthUrl: config.strava.oauthUrl,
        clientId: config.strava.clientId as string,
        clientSecret: config.strava.clientSecret as string,
      },
      weather: config.weather,
    };
  }
  const urls = simulatorUrls(localUrl, SIMULATORS_PATH);
  return {
    strava: { apiUrl: urls.stravaApiUrl, oauthUrl: urls.stravaOauthUrl, ...DEFAULT_APP },
    weather: config.weather.openWeatherApiKey
      ? config.weather
      : {
          ...config.weather,
          provider: 'open-meteo',
          openMeteoArchiveUrl: urls.openMeteoArchiveUrl,
          nominatimUrl: urls.nominatimUrl,
        },
  };
}
