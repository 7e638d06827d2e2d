import { DEFAULT_OWM_KEY } from '../sim/weather/openweathermap.ts';
import type { ProviderPair } from './provider-scenario.ts';

/** The two ways an operator configures weather: with an OpenWeatherMap key, or without one. */
export const PROVIDER_PAIRS: ProviderPair[] = [
  {
    label: 'OpenWeatherMap (key set)',
    weather: 'openweathermap',
    places: 'openweathermap',
    settings: (urls) => ({
      provider: 'openweathermap',
      placeProvider: 'openweathermap',
      openWeatherApiKey: DEFAULT_OWM_KEY,
      openWeatherApiUrl: urls.openWeatherApiUrl,
      openMeteoArchiveUrl: urls.openMeteoArchiveUrl,
      nominatimUrl: urls.nominatimUrl,
    }),
  },
  {
    label: 'Open-Meteo + Nominatim (no key)',
    weather: 'open-meteo',
    places: 'nominatim',
    settings: (urls) => ({
      provider: 'open-meteo',
      placeProvider: 'nominatim',
      openWeatherApiKey: undefined,
      openWeatherApiUrl: urls.openWeatherApiUrl,
      openMeteoArchiveUrl: urls.openMeteoArchiveUrl,
      nominatimUrl: urls.nominatimUrl,
    }),
  },
];
