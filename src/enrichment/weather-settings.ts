/**
 * What the operator chose for enrichment (WEATHER_PROVIDER, PLACE_PROVIDER, the OpenWeatherMap key, the providers'
 * base URLs), in a module with no imports so the configuration can name it without loading the
 * providers.
 */
export const WEATHER_PROVIDERS = ['auto', 'openweathermap', 'open-meteo'] as const;
export type WeatherProviderSetting = (typeof WEATHER_PROVIDERS)[number];

/** Open-Meteo's free (non-commercial) archive, and its commercial plan's, asked with `apikey`. */
export const OPEN_METEO_FREE_ARCHIVE_URL = 'https://archive-api.open-meteo.com/v1/archive';
export const OPEN_METEO_CUSTOMER_ARCHIVE_URL =
  'https://customer-archive-api.open-meteo.com/v1/archive';

/**
 * The operator's plans: the limits the ledger holds each provider to (the free tiers unless
 * raised for a paid plan). Open-Meteo's are in weighted calls.
 */
export interface ProviderPlanLimits {
  openWeatherMap: { oneCallPerDay: number; perMinute: number };
  openMeteo: { weightedPerDay: number; weightedPerMinute: number };
}

/**
 * Where places come from (PLACE_PROVIDER): `auto` and `offline` the packaged GeoNames gazetteer
 * (no network); `openweathermap` its geocoding (needs the key), then Nominatim for what it
 * cannot answer; `nominatim` Nominatim alone. The online ones name streets' towns and villages
 * more finely, at one paced call per ~1 km cell.
 */
export const PLACE_PROVIDERS = ['auto', 'offline', 'openweathermap', 'nominatim'] as const;
export type PlaceProviderSetting = (typeof PLACE_PROVIDERS)[number];

/** Which providers to ask and where they are (WEATHER_PROVIDER, PLACE_PROVIDER, keys, URLs). */
export interface WeatherSettings {
  provider: WeatherProviderSetting;
  placeProvider: PlaceProviderSetting;
  openWeatherApiKey: string | undefined;
  openWeatherApiUrl: string;
  /** Open-Meteo's commercial plan: sent as `apikey` on every archive call. */
  openMeteoApiKey?: string | undefined;
  openMeteoArchiveUrl: string;
  /** A Nominatim-compatible reverse geocoder (PLACE_PROVIDER=nominatim or openweathermap). */
  nominatimUrl: string;
  /** Unset: the free tiers (provider-limits.ts). */
  limits?: ProviderPlanLimits;
}
