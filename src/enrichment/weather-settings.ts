/**
 * What the operator chose for enrichment (WEATHER_PROVIDER, the OpenWeatherMap key, the providers'
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

/** Which providers to ask and where they are (WEATHER_PROVIDER, the keys and base URLs). */
export interface WeatherSettings {
  provider: WeatherProviderSetting;
  openWeatherApiKey: string | undefined;
  openWeatherApiUrl: string;
  /** Open-Meteo's commercial plan: sent as `apikey` on every archive call. */
  openMeteoApiKey?: string | undefined;
  openMeteoArchiveUrl: string;
  /** A Nominatim-compatible reverse geocoder, used without an OpenWeatherMap key. */
  nominatimUrl: string;
  /** Unset: the free tiers (provider-limits.ts). */
  limits?: ProviderPlanLimits;
}
