import { nearestPlace } from '../places.ts';

/**
 * Time zones of the simulated world: a point takes the zone of the gazetteer place within
 * `ZONE_RADIUS_M`, else the nautical zone of its longitude (`Etc/GMT+5` is UTC−5: the sign is
 * POSIX's, inverted). Offsets come from the runtime's tz database through Intl.
 */
const ZONE_RADIUS_M = 500_000;

export function timeZoneAt(lat: number, lng: number): string {
  const place = nearestPlace({ lat, lng }, ZONE_RADIUS_M);
  if (place) return place.timezone;
  const hours = Math.round(lng / 15);
  if (hours === 0) return 'Etc/GMT';
  return hours > 0 ? `Etc/GMT-${hours}` : `Etc/GMT+${-hours}`;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const abbreviationFormats = new Map<string, Intl.DateTimeFormat>();

function formatFor(
  cache: Map<string, Intl.DateTimeFormat>,
  zone: string,
  style: 'longOffset' | 'short',
): Intl.DateTimeFormat {
  let format = cache.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: style });
    cache.set(zone, format);
  }
  return format;
}

function zoneName(format: Intl.DateTimeFormat, epochSeconds: number): string {
  return (
    format.formatToParts(epochSeconds * 1000).find((part) => part.type === 'timeZoneName')?.value ??
    'GMT'
  );
}

/** The zone's UTC offset in seconds at the instant (daylight saving included). */
export function utcOffsetSeconds(zone: string, epochSeconds: number): number {
  const name = zoneName(formatFor(offsetFormats, zone, 'longOffset'), epochSeconds);
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return 0; // "GMT" alone: offset zero
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

/** A short name such as `EST` or `GMT+1`, as Open-Meteo's `timezone_abbreviation`. */
export function zoneAbbreviation(zone: string, epochSeconds: number): string {
  if (zone === 'GMT' || zone === 'UTC' || zone === 'Etc/GMT') return 'GMT';
  return zoneName(formatFor(abbreviationFormats, zone, 'short'), epochSeconds);
}
