import { z } from 'zod';

/**
 * One hour of weather at one grid point, in the SI units the `activities` columns carry
 * (°C, %, hPa, m/s, mm, m). Providers translate into this; the cache stores it as JSON; the
 * enrichment copies it onto runs. `null` means the provider does not report the value (the
 * Open-Meteo archive has no visibility; OpenWeatherMap leaves out gusts when there are none
 * to speak of), never "zero".
 */

export const WEATHER_PROVIDER_NAMES = ['openweathermap', 'open-meteo'] as const;
export type WeatherProviderName = (typeof WEATHER_PROVIDER_NAMES)[number];

export const weatherObservationSchema = z.object({
  provider: z.enum(WEATHER_PROVIDER_NAMES),
  /** The instant the provider says the values are for (ISO 8601, UTC). */
  observedAt: z.iso.datetime(),
  /** The grid point the provider answered for. */
  gridLat: z.number(),
  gridLng: z.number(),
  temperatureC: z.number(),
  feelsLikeC: z.number().nullable(),
  dewPointC: z.number().nullable(),
  humidityPct: z.number(),
  /** Sea-level pressure. */
  pressureHpa: z.number().nullable(),
  windSpeedMps: z.number(),
  windGustMps: z.number().nullable(),
  /** Direction the wind blows from, meteorological degrees. */
  windDeg: z.number().nullable(),
  /** Water equivalent of everything that fell during the hour (rain and snow). */
  precipitationMm: z.number(),
  cloudCoverPct: z.number().nullable(),
  visibilityM: z.number().nullable(),
  /** WMO 4677 weather code, whichever provider answered (see weather-conditions.ts). */
  weatherCode: z.int().nullable(),
  description: z.string().nullable(),
  /** OpenWeatherMap's icon name (`01d`), for both providers. */
  icon: z.string().nullable(),
});

export type WeatherObservation = z.infer<typeof weatherObservationSchema>;
