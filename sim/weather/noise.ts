/**
 * Deterministic noise for the weather model: an integer hash (no Math.random, no state) and
 * value noise built on it, smooth in space and time so neighbouring cells and hours differ a
 * little, not wildly. The same inputs give the same numbers on every machine and run.
 */

/** Changing this reshuffles all simulated weather; tests compute expectations from the model. */
const WEATHER_SEED = 0x5eed_2026;

/** A number in [0, 1) from integers (cell indices, time knots, a channel id). */
export function hashToUnit(...values: number[]): number {
  let h = WEATHER_SEED ^ 0x9e37_79b9;
  for (const value of values) {
    h = Math.imul(h ^ (value | 0), 0x85eb_ca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2_ae35);
    h ^= h >>> 16;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b_3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

const smoothstep = (f: number): number => f * f * (3 - 2 * f);
const lerp = (a: number, b: number, f: number): number => a + (b - a) * f;

export interface NoiseField {
  /** Channel id: each weather quantity gets its own independent field. */
  channel: number;
  /** Size of a spatial block in degrees: weather systems span hundreds of kilometres. */
  blockDegrees: number;
  /** Hours between time knots: how long a weather system takes to pass. */
  periodHours: number;
}

/**
 * Value noise in [0, 1]: hashed values on a lattice of (latitude block, longitude block, time
 * knot), blended with smoothstep along all three axes.
 */
export function valueNoise(field: NoiseField, lat: number, lng: number, hours: number): number {
  const y = lat / field.blockDegrees;
  const x = lng / field.blockDegrees;
  const t = hours / field.periodHours;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const t0 = Math.floor(t);
  const fy = smoothstep(y - y0);
  const fx = smoothstep(x - x0);
  const ft = smoothstep(t - t0);
  const at = (dy: number, dx: number, dt: number) =>
    hashToUnit(field.channel, y0 + dy, x0 + dx, t0 + dt);
  const plane = (dt: number) =>
    lerp(lerp(at(0, 0, dt), at(0, 1, dt), fx), lerp(at(1, 0, dt), at(1, 1, dt), fx), fy);
  return lerp(plane(0), plane(1), ft);
}
