import type { WeatherObservation } from './weather-observation.ts';
import type { SlotOutcome } from './weather-provider.ts';

/**
 * What Earth's surface weather can be. A value outside these bounds is a provider bug or a
 * unit mix-up (Kelvin read as Celsius: 279 °C; km/h read as m/s), so the observation is
 * rejected and the reason recorded on the run, rather than stored as if it were weather.
 * Bounds sit just outside the world records (−89.2 °C Vostok, 56.7 °C Death Valley,
 * 113 m/s gust Barrow Island, 870–1084 hPa sea-level pressure, ~305 mm in an hour).
 */
export const PLAUSIBLE_RANGES = {
  temperatureC: { min: -90, max: 60, unit: '°C' },
  feelsLikeC: { min: -110, max: 80, unit: '°C' },
  dewPointC: { min: -100, max: 40, unit: '°C' },
  humidityPct: { min: 0, max: 100, unit: '%' },
  pressureHpa: { min: 850, max: 1090, unit: 'hPa' },
  windSpeedMps: { min: 0, max: 115, unit: 'm/s' },
  windGustMps: { min: 0, max: 130, unit: 'm/s' },
  windDeg: { min: 0, max: 360, unit: '°' },
  precipitationMm: { min: 0, max: 400, unit: 'mm' },
  cloudCoverPct: { min: 0, max: 100, unit: '%' },
  visibilityM: { min: 0, max: 100_000, unit: 'm' },
} as const satisfies Partial<
  Record<keyof WeatherObservation, { min: number; max: number; unit: string }>
>;

/**
 * Every implausible value, in words (`temperatureC 80 °C is outside −90…60 °C`); empty when the
 * observation is plausible. Missing (null) optional values are fine; NaN never is.
 */
export function findImplausible(observation: WeatherObservation): string[] {
  const problems: string[] = [];
  for (const [field, range] of Object.entries(PLAUSIBLE_RANGES)) {
    const value = observation[field as keyof typeof PLAUSIBLE_RANGES];
    if (value === null) continue;
    if (!Number.isFinite(value) || value < range.min || value > range.max) {
      problems.push(
        `${field} ${value} ${range.unit} is outside ${range.min}…${range.max} ${range.unit}`,
      );
    }
  }
  const { dewPointC, temperatureC } = observation;
  // Air cannot hold more water than saturation: the dew point is at most the temperature.
  if (dewPointC !== null && dewPointC > temperatureC + 1) {
    problems.push(`dewPointC ${dewPointC} °C is above temperatureC ${temperatureC} °C`);
  }
  return problems;
}

/** A provider's observation as a slot outcome: stored when plausible, else rejected with the reasons. */
export function judgeObservation(observation: WeatherObservation): SlotOutcome {
  const problems = findImplausible(observation);
  if (problems.length === 0) return { kind: 'observed', observation };
  return {
    kind: 'rejected',
    reason: `${observation.provider} sent implausible weather, not stored: ${problems.join('; ')}`,
  };
}
