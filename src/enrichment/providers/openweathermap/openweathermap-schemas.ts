import { z } from 'zod';

/**
 * OpenWeatherMap's bodies, as much as stridesync reads of them. Objects are loose: OWM adds
 * fields (and leaves out `wind_gust`, `rain`, `snow`, `sunrise` when they do not apply).
 */

/** `cod` is a number on some errors (`{"cod":401,…}`) and a string on others (`{"cod":"400",…}`). */
export const owmErrorBodySchema = z.looseObject({
  cod: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  parameters: z.array(z.string()).optional(),
});

const owmCondition = z.looseObject({
  id: z.number(),
  main: z.string().optional(),
  description: z.string().optional(),
  icon: z.string().optional(),
});

const lastHour = z.looseObject({ '1h': z.number().optional() }).optional();

const owmTimemachineEntrySchema = z.looseObject({
  dt: z.number(),
  temp: z.number(),
  feels_like: z.number().optional(),
  pressure: z.number().optional(),
  humidity: z.number(),
  dew_point: z.number().optional(),
  clouds: z.number().optional(),
  visibility: z.number().optional(),
  wind_speed: z.number(),
  wind_gust: z.number().optional(),
  wind_deg: z.number().optional(),
  weather: z.array(owmCondition).default([]),
  rain: lastHour,
  snow: lastHour,
});

export const owmTimemachineSchema = z.looseObject({
  lat: z.number(),
  lon: z.number(),
  data: z.array(owmTimemachineEntrySchema).min(1),
});

export const owmReverseGeocodeSchema = z.array(
  z.looseObject({
    name: z.string(),
    local_names: z.record(z.string(), z.string()).optional(),
    lat: z.number().optional(),
    lon: z.number().optional(),
    /** ISO 3166-1 alpha-2. */
    country: z.string().optional(),
    state: z.string().optional(),
  }),
);
