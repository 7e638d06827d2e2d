/**
 * Unit conversions and rounding shared by the weather simulators and their tests, so a test
 * computes an expected value with exactly the arithmetic the simulator used.
 */

/**
 * Rounds half up like `Math.round`, after trimming binary noise to 15 significant digits, so
 * `roundTo(1.005, 2)` is 1.01 and not the 1 that `Math.round(1.005 * 100) / 100` gives.
 */
export function roundTo(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  const result = Math.round(Number((value * factor).toPrecision(15))) / factor;
  return Object.is(result, -0) ? 0 : result;
}

export const celsiusToKelvin = (celsius: number): number => celsius + 273.15;
export const celsiusToFahrenheit = (celsius: number): number => (celsius * 9) / 5 + 32;
export const fahrenheitToCelsius = (fahrenheit: number): number => ((fahrenheit - 32) * 5) / 9;

export const MS_TO_KMH = 3.6;
export const MS_TO_MPH = 3600 / 1609.344;
export const MS_TO_KNOTS = 3600 / 1852;
export const MM_PER_INCH = 25.4;
