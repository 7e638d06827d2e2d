/**
 * The runner's units. Everything is stored and served in SI (metres, seconds, m/s, °C); this
 * module turns it into what the runner reads, metric or imperial: the one place for it, in core so
 * the dashboard and the CLI share it (the CLI prints no run figures yet). Pure: no locale (numbers
 * are written with a dot), no I/O.
 */

export const UNIT_SYSTEMS = ['metric', 'imperial'] as const;
export type UnitSystem = (typeof UNIT_SYSTEMS)[number];

export const METRES_PER_KM = 1000;
export const METRES_PER_MILE = 1609.344;
export const METRES_PER_FOOT = 0.3048;
const KMH_PER_MPS = 3.6;
const MPH_PER_MPS = 3600 / METRES_PER_MILE;
const MM_PER_INCH = 25.4;

export function isUnitSystem(value: unknown): value is UnitSystem {
  return value === 'metric' || value === 'imperial';
}

/**
 * Strava's `measurement_preference` (`meters` or `feet`, on the detailed athlete) as a unit
 * system; anything else (absent without `profile:read_all`) is null, for the caller's default.
 */
export function unitSystemOfPreference(preference: string | null | undefined): UnitSystem | null {
  if (preference === 'feet') return 'imperial';
  if (preference === 'meters') return 'metric';
  return null;
}

/** The unit a distance is counted in: `km` or `mi`. */
export function distanceUnit(system: UnitSystem): 'km' | 'mi' {
  return system === 'metric' ? 'km' : 'mi';
}

/** Metres in kilometres or miles. */
export function distanceIn(system: UnitSystem, metres: number): number {
  return metres / (system === 'metric' ? METRES_PER_KM : METRES_PER_MILE);
}

/** Kilometres or miles back to metres (a filter typed by the runner, sent to the API in SI). */
export function metresOf(system: UnitSystem, distance: number): number {
  return distance * (system === 'metric' ? METRES_PER_KM : METRES_PER_MILE);
}

/** "5.00 km", "3.11 mi". */
export function formatDistance(system: UnitSystem, metres: number, digits = 2): string {
  return `${distanceIn(system, metres).toFixed(digits)} ${distanceUnit(system)}`;
}

/** Seconds per kilometre or per mile over a distance, null when either is zero or missing. */
export function paceSeconds(system: UnitSystem, metres: number, seconds: number): number | null {
  const distance = distanceIn(system, metres);
  return distance > 0 && seconds > 0 ? seconds / distance : null;
}

/** Minutes and seconds per kilometre or mile, the way runners read pace: "5:12 /km", "8:22 /mi". */
export function formatPace(system: UnitSystem, metres: number, seconds: number): string {
  return formatPaceSeconds(system, paceSeconds(system, metres, seconds));
}

/** A pace already in seconds per km or per mile (of `system`), written as `formatPace` writes it. */
export function formatPaceSeconds(system: UnitSystem, secondsPerUnit: number | null): string {
  if (secondsPerUnit === null || !Number.isFinite(secondsPerUnit) || secondsPerUnit <= 0)
    return '–';
  const rounded = Math.round(secondsPerUnit);
  return `${Math.floor(rounded / 60)}:${String(rounded % 60).padStart(2, '0')} /${distanceUnit(system)}`;
}

/** °C or °F. */
export function temperatureIn(system: UnitSystem, celsius: number): number {
  return system === 'metric' ? celsius : (celsius * 9) / 5 + 32;
}

/** "12 °C", "54 °F"; "–" when unknown. */
export function formatTemperature(system: UnitSystem, celsius: number | null): string {
  if (celsius === null) return '–';
  const value = Math.round(temperatureIn(system, celsius));
  // Math.round(-0.4) is -0: never print "-0".
  return `${value === 0 ? 0 : value} ${system === 'metric' ? '°C' : '°F'}`;
}

/** "14 km/h", "9 mph"; "–" when unknown. */
export function formatWindSpeed(system: UnitSystem, metresPerSecond: number | null): string {
  if (metresPerSecond === null) return '–';
  return system === 'metric'
    ? `${Math.round(metresPerSecond * KMH_PER_MPS)} km/h`
    : `${Math.round(metresPerSecond * MPH_PER_MPS)} mph`;
}

/** "120 m", "394 ft"; "–" when unknown. */
export function formatElevation(system: UnitSystem, metres: number | null): string {
  if (metres === null) return '–';
  return system === 'metric'
    ? `${Math.round(metres)} m`
    : `${Math.round(metres / METRES_PER_FOOT)} ft`;
}

/** "2.5 mm", "0.10 in" of rain or snow; "–" when unknown. */
export function formatPrecipitation(system: UnitSystem, millimetres: number | null): string {
  if (millimetres === null) return '–';
  return system === 'metric'
    ? `${millimetres.toFixed(1)} mm`
    : `${(millimetres / MM_PER_INCH).toFixed(2)} in`;
}
