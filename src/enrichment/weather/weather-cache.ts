import type { Queryable } from '../../store/database.ts';
import type { WeatherSlot } from '../grid-cell.ts';
import { weatherSlotKey } from '../grid-cell.ts';
import {
  type WeatherObservation,
  type WeatherProviderName,
  weatherObservationSchema,
} from './weather-observation.ts';

/**
 * The shared weather cache (`weather_cache`): weather is not personal, so one observation per
 * 0.1° cell, UTC hour and provider serves every runner. Looked up before any call, written
 * right after each provider's batch (so a crash later loses no paid-for call). Only plausible
 * observations are ever written. An entry that no longer matches the schema is treated as a
 * miss, not trusted.
 */

export async function lookupWeather(
  db: Queryable,
  slots: readonly WeatherSlot[],
  /** In order of preference: the first provider's entry wins when several have one. */
  providers: readonly WeatherProviderName[],
): Promise<Map<string, WeatherObservation>> {
  const found = new Map<string, WeatherObservation>();
  if (slots.length === 0 || providers.length === 0) return found;
  const { rows } = await db.query<{
    lat_cell: number;
    lng_cell: number;
    hour_utc: Date;
    provider: WeatherProviderName;
    observation: unknown;
  }>(
    `select lat_cell, lng_cell, hour_utc, provider, observation from weather_cache
     where (lat_cell, lng_cell, hour_utc) in
           (select * from unnest($1::int[], $2::int[], $3::timestamptz[]))
       and provider = any($4::text[])`,
    [
      slots.map((s) => s.latCell),
      slots.map((s) => s.lngCell),
      slots.map((s) => new Date(s.hourMs).toISOString()),
      providers,
    ],
  );
  const rank = (name: WeatherProviderName) => providers.indexOf(name);
  rows.sort((a, b) => rank(b.provider) - rank(a.provider)); // preferred last: it overwrites
  for (const row of rows) {
    const parsed = weatherObservationSchema.safeParse(row.observation);
    if (!parsed.success) continue;
    const slot = { latCell: row.lat_cell, lngCell: row.lng_cell, hourMs: row.hour_utc.getTime() };
    found.set(weatherSlotKey(slot), parsed.data);
  }
  return found;
}

/** Whether the cache holds any slot of these providers (one indexed row at most). */
export async function holdsAnyWeather(
  db: Queryable,
  providers: readonly WeatherProviderName[],
): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(
    'select exists (select 1 from weather_cache where provider = any($1::text[])) as any',
    [providers],
  );
  return rows[0]?.any === true;
}

export async function storeWeather(
  db: Queryable,
  entries: readonly { slot: WeatherSlot; observation: WeatherObservation }[],
): Promise<void> {
  if (entries.length === 0) return;
  const payload = entries.map(({ slot, observation }) => ({
    lat_cell: slot.latCell,
    lng_cell: slot.lngCell,
    hour_utc: new Date(slot.hourMs).toISOString(),
    provider: observation.provider,
    grid_lat: observation.gridLat,
    grid_lng: observation.gridLng,
    observation,
  }));
  await db.query(
    `insert into weather_cache (lat_cell, lng_cell, hour_utc, provider, grid_lat, grid_lng, observation)
     select e.lat_cell, e.lng_cell, e.hour_utc, e.provider, e.grid_lat, e.grid_lng, e.observation
     from jsonb_to_recordset($1::jsonb) as e(lat_cell int, lng_cell int, hour_utc timestamptz,
       provider text, grid_lat float8, grid_lng float8, observation jsonb)
     on conflict (lat_cell, lng_cell, hour_utc, provider) do nothing`,
    [JSON.stringify(payload)],
  );
}
