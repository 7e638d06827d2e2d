/**
 * Conversions into the SI units stridesync stores (°C, m/s, mm). A provider's value is converted
 * by the unit label the provider itself reports, never by the unit we asked for: a proxy or an
 * API change that drops `wind_speed_unit=ms` then converts correctly instead of storing km/h as
 * m/s (3.6× too windy). An unknown label is refused (undefined), not guessed.
 */

const MPH_IN_MS = 1609.344 / 3600;
const KNOT_IN_MS = 1852 / 3600;
const MM_PER_INCH = 25.4;

const TO_MS: Record<string, (value: number) => number> = {
  'm/s': (v) => v,
  'km/h': (v) => v / 3.6,
  'mp/h': (v) => v * MPH_IN_MS, // Open-Meteo's spelling
  mph: (v) => v * MPH_IN_MS,
  kn: (v) => v * KNOT_IN_MS,
};

const TO_CELSIUS: Record<string, (value: number) => number> = {
  '°C': (v) => v,
  '°F': (v) => ((v - 32) * 5) / 9,
  K: (v) => v - 273.15,
};

const TO_MM: Record<string, (value: number) => number> = {
  mm: (v) => v,
  inch: (v) => v * MM_PER_INCH,
};

export type Quantity = 'speed' | 'temperature' | 'precipitation';

const TABLES: Record<Quantity, Record<string, (value: number) => number>> = {
  speed: TO_MS,
  temperature: TO_CELSIUS,
  precipitation: TO_MM,
};

/** `value` in `unit` → SI, rounded to 2 decimals (finer than any provider prints). */
export function toSi(quantity: Quantity, value: number, unit: string): number | undefined {
  const convert = TABLES[quantity][unit.trim()];
  if (!convert) return undefined;
  const rounded = Math.round(convert(value) * 100) / 100;
  return rounded === 0 ? 0 : rounded; // no −0 in the database
}
