/**
 * What the operator chose for enrichment (WEATHER_PROVIDER, the OpenWeatherMap key, the providers'
 * base URLs), in a module with no imports so the configuration can name it without loading the
 * providers.
 */
export const WEATHER_PROVIDERS = ['auto', 'openweathermap', 'open-meteo'] as const;
export type WeatherProviderSetting = (typeof WEATHER_PROVIDERS)[number];

/** Which providers to ask and where they are (WEATHER_PROVIDER, the keys and base URLs). */
export interface WeatherSettings {
  provider: WeatherProviderSetting;
  openWeatherApiKey: string | undefined;
  openWeatherApiUrl: string;
  openMeteoArchiveUrl: string;
  /** A Nominatim-compatible reverse geocoder, used without an OpenWeatherMap key. */
  nominatimUrl: string;
}
