import type { Queryable } from '../../store/database.ts';
import { type Cell, cellKey } from '../grid-cell.ts';
import type { PlaceOutcome, PlaceProviderName, ResolvedPlace } from './place-provider.ts';

/**
 * The shared place cache (`place_cache`), per 0.01° cell (~1 km) and provider. A row with no
 * city, state or country records that the provider knows no named place there (`none`): that
 * answer is cached too, so a run from a boat is not asked about again and again.
 */
export type CachedPlace =
  | { kind: 'found'; place: ResolvedPlace }
  | { kind: 'none'; provider: PlaceProviderName };

export async function lookupPlaces(
  db: Queryable,
  cells: readonly Cell[],
  providers: readonly PlaceProviderName[],
): Promise<Map<string, CachedPlace>> {
  const found = new Map<string, CachedPlace>();
  if (cells.length === 0 || providers.length === 0) return found;
  const { rows } = await db.query<{
    lat_cell: number;
    lng_cell: number;
    provider: PlaceProviderName;
    city: string | null;
    state: string | null;
    country: string | null;
    country_code: string | null;
  }>(
    `select lat_cell, lng_cell, provider, city, state, country, country_code from place_cache
     where (lat_cell, lng_cell) in (select * from unnest($1::int[], $2::int[]))
       and provider = any($3::text[])`,
    [cells.map((c) => c.latCell), cells.map((c) => c.lngCell), providers],
  );
  const rank = (name: PlaceProviderName) => providers.indexOf(name);
  rows.sort((a, b) => rank(b.provider) - rank(a.provider)); // preferred last: it overwrites
  for (const row of rows) {
    const key = cellKey({ latCell: row.lat_cell, lngCell: row.lng_cell });
    const nothing = row.city === null && row.state === null && row.country === null;
    found.set(
      key,
      nothing
        ? { kind: 'none', provider: row.provider }
        : {
            kind: 'found',
            place: {
              provider: row.provider,
              city: row.city,
              state: row.state,
              country: row.country,
              countryCode: row.country_code,
            },
          },
    );
  }
  return found;
}

/** Whether the cache holds any cell of these providers (one indexed row at most). */
export async function holdsAnyPlace(
  db: Queryable,
  providers: readonly PlaceProviderName[],
): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(
    'select exists (select 1 from place_cache where provider = any($1::text[])) as any',
    [providers],
  );
  return rows[0]?.any === true;
}

/** Writes found places and `none` answers; failures are not answers and are not cached. */
export async function storePlaces(
  db: Queryable,
  entries: readonly { cell: Cell; outcome: PlaceOutcome }[],
): Promise<void> {
  const payload = entries.flatMap(({ cell, outcome }) => {
    if (outcome.kind === 'failed') return [];
    const place = outcome.kind === 'found' ? outcome.place : undefined;
    return [
      {
        lat_cell: cell.latCell,
        lng_cell: cell.lngCell,
        provider: outcome.kind === 'found' ? outcome.place.provider : outcome.provider,
        city: place?.city ?? null,
        state: place?.state ?? null,
        country: place?.country ?? null,
        country_code: place?.countryCode ?? null,
        raw: outcome.raw ?? null,
      },
    ];
  });
  if (payload.length === 0) return;
  await db.query(
    `insert into place_cache (lat_cell, lng_cell, provider, city, state, country, country_code, raw)
     select e.lat_cell, e.lng_cell, e.provider, e.city, e.state, e.country, e.country_code, e.raw
     from jsonb_to_recordset($1::jsonb) as e(lat_cell int, lng_cell int, provider text, city text,
       state text, country text, country_code text, raw jsonb)
     on conflict (lat_cell, lng_cell, provider) do nothing`,
    [JSON.stringify(payload)],
  );
}
