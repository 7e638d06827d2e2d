import type { ApiLedger } from '../budget/api-ledger.ts';
import {
  type PartialLimits,
  type ProviderLimits,
  resolveLimits,
} from '../budget/provider-limits.ts';
import type { Clock } from '../core/clock.ts';
import { ConfigError } from '../core/errors.ts';
import type { ResilientFetchOptions } from '../net/resilient-fetch.ts';
import type { PlaceProvider } from './geocoding/place-provider.ts';
import { sleepUnlessAborted, type WindowWaits } from './provider-calls.ts';
import { createGeoNamesPlaces } from './providers/geonames/geonames-places.ts';
import { createNominatimPlaces } from './providers/nominatim/nominatim-geocoding.ts';
import { createOpenMeteoWeather } from './providers/open-meteo/open-meteo-weather.ts';
import { createOpenWeatherMapPlaces } from './providers/openweathermap/openweathermap-geocoding.ts';
import { createOpenWeatherMapWeather } from './providers/openweathermap/openweathermap-weather.ts';
import type { WeatherProvider } from './weather/weather-provider.ts';
import type { WeatherSettings } from './weather-settings.ts';

/**
 * The providers `WEATHER_PROVIDER` selects, in the order enrichment tries them:
 * - `auto`: OpenWeatherMap when a key is set, then Open-Meteo (which serves whatever OWM
 *   cannot: its circuit open, its daily cap spent); Open-Meteo alone without a key;
 * - `openweathermap` / `open-meteo`: that one only (the operator chose it, e.g. because the
 *   Open-Meteo free tier is for non-commercial use).
 * Places, as `PLACE_PROVIDER` says: `auto`/`offline` the packaged gazetteer alone (no calls);
 * `openweathermap` its geocoding, then Nominatim for the cells it cannot answer; `nominatim`
 * Nominatim alone.
 */
export interface EnrichmentServicesOptions {
  ledger: ApiLedger;
  clock: Clock;
  /** Identifies stridesync to Nominatim; see `stridesyncUserAgent`. */
  userAgent: string;
  limits?: PartialLimits;
  /** Sleeps through short pauses (see SHORT_WAIT_MS); tests pass one that moves a manual clock. */
  sleep?: WindowWaits['sleep'];
  archiveDelayDays?: number;
  /** Retries, timeouts and breaker settings for every provider's HTTP calls. */
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
  nominatimMinIntervalMs?: number;
}

export interface EnrichmentServices {
  weather: WeatherProvider[];
  places: PlaceProvider[];
  /** The limits the providers are held to, for the estimate. */
  limits: ProviderLimits;
}

export function createEnrichmentServices(
  settings: WeatherSettings,
  o: EnrichmentServicesOptions,
): EnrichmentServices {
  // The operator's plan first; a caller's override (a test, a benchmark) on top.
  const limits = resolveLimits({
    openWeatherMap: { ...settings.limits?.openWeatherMap, ...o.limits?.openWeatherMap },
    openMeteo: { ...settings.limits?.openMeteo, ...o.limits?.openMeteo },
    ...(o.limits?.nominatim ? { nominatim: o.limits.nominatim } : {}),
  });
  const waits: WindowWaits = { clock: o.clock, sleep: o.sleep ?? sleepUnlessAborted };
  const shared = { ledger: o.ledger, clock: o.clock, waits, ...(o.http ? { http: o.http } : {}) };
  const key = settings.openWeatherApiKey;
  const owm = key
    ? createOpenWeatherMapWeather({
        ...shared,
        apiUrl: settings.openWeatherApiUrl,
        apiKey: key,
        limits: limits.openWeatherMap,
      })
    : undefined;
  const openMeteo = createOpenMeteoWeather({
    ...shared,
    archiveUrl: settings.openMeteoArchiveUrl,
    ...(settings.openMeteoApiKey ? { apiKey: settings.openMeteoApiKey } : {}),
    limits: limits.openMeteo,
    ...(o.archiveDelayDays === undefined ? {} : { archiveDelayDays: o.archiveDelayDays }),
  });

  const weather =
    settings.provider === 'open-meteo'
      ? [openMeteo]
      : settings.provider === 'openweathermap'
        ? [owm]
        : [owm, openMeteo];
  const chosen = weather.filter((p): p is WeatherProvider => p !== undefined);
  if (chosen.length === 0) {
    throw new ConfigError({
      code: 'weather_provider_unconfigured',
      userMessage: 'WEATHER_PROVIDER=openweathermap needs OPENWEATHER_API_KEY.',
      hint: 'Set OPENWEATHER_API_KEY, or set WEATHER_PROVIDER to auto or open-meteo.',
    });
  }
  return { weather: chosen, places: placeProviders(settings, o, shared, limits), limits };
}

function placeProviders(
  settings: WeatherSettings,
  o: EnrichmentServicesOptions,
  shared: {
    ledger: ApiLedger;
    clock: Clock;
    waits: WindowWaits;
    http?: EnrichmentServicesOptions['http'];
  },
  limits: ProviderLimits,
): PlaceProvider[] {
  if (settings.placeProvider === 'auto' || settings.placeProvider === 'offline') {
    return [createGeoNamesPlaces()];
  }
  const nominatim = createNominatimPlaces({
    ...shared,
    baseUrl: settings.nominatimUrl,
    userAgent: o.userAgent,
    limits: limits.nominatim,
    ...(o.nominatimMinIntervalMs === undefined ? {} : { minIntervalMs: o.nominatimMinIntervalMs }),
  });
  if (settings.placeProvider === 'nominatim') return [nominatim];
  const key = settings.openWeatherApiKey;
  if (!key) {
    throw new ConfigError({
      code: 'place_provider_unconfigured',
      userMessage: 'PLACE_PROVIDER=openweathermap needs OPENWEATHER_API_KEY.',
      hint: 'Set OPENWEATHER_API_KEY, or set PLACE_PROVIDER to auto, offline or nominatim.',
    });
  }
  const owm = createOpenWeatherMapPlaces({
    ...shared,
    apiUrl: settings.openWeatherApiUrl,
    apiKey: key,
    limits: limits.openWeatherMap,
  });
  return [owm, nominatim];
}

/** The external APIs an install calls (ledger names): Strava and the chosen providers. */
export function apiNamesOf(services: EnrichmentServices): string[] {
  return [
    ...new Set([
      'strava',
      ...services.weather.map((p) => p.name),
      ...services.places.map((p) => p.name),
    ]),
  ];
}

/** `stridesync/0.1 (+https://runs.example.com)`: who is asking, and where to find them. */
export function stridesyncUserAgent(publicUrl: string, version = '0.1'): string {
  return `stridesync/${version} (+${publicUrl})`;
}
