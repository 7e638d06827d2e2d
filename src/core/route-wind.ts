/**
 * The wind as a runner felt it: its direction against the route's overall bearing. Pure; the
 * route is the decoded `summary_polyline` ([lat, lng] pairs in degrees).
 */

export type LatLng = readonly [lat: number, lng: number];
export type WindFeel = 'headwind' | 'tailwind' | 'crosswind';

const EARTH_RADIUS_M = 6_371_000;
/** Within this many degrees of straight on (or straight behind), the wind is head (or tail). */
const HEAD_OR_TAIL_WITHIN_DEG = 45;
/**
 * A route whose finish is nearer its start than this share of its length is a loop or an
 * out-and-back: the wind is head and tail in turn, and no single bearing describes it.
 */
const LOOP_SHARE = 0.25;

const radians = (deg: number) => (deg * Math.PI) / 180;
const degrees = (rad: number) => (rad * 180) / Math.PI;

/** Initial great-circle bearing from `a` to `b`, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: LatLng, b: LatLng): number {
  const [lat1, lat2] = [radians(a[0]), radians(b[0])];
  const dLng = radians(b[1] - a[1]);
  const y = Math.sin(dLng) * Math.cos(lat2);
  const x = Math.cos(lat1) * Math.sin(lat2) - Math.sin(lat1) * Math.cos(lat2) * Math.cos(dLng);
  return (degrees(Math.atan2(y, x)) + 360) % 360;
}

/** Haversine distance in metres. */
export function distanceM(a: LatLng, b: LatLng): number {
  const dLat = radians(b[0] - a[0]);
  const dLng = radians(b[1] - a[1]);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(radians(a[0])) * Math.cos(radians(b[0])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The bearing from start to finish when the route goes somewhere (a point-to-point run); null for
 * a loop or an out-and-back, and for a route of fewer than two points.
 */
export function routeBearingDeg(points: readonly LatLng[]): number | null {
  const start = points[0];
  const finish = points.at(-1);
  if (!start || !finish || points.length < 2) return null;
  let length = 0;
  for (let i = 1; i < points.length; i++)
    length += distanceM(points[i - 1] as LatLng, points[i] as LatLng);
  const straight = distanceM(start, finish);
  if (length === 0 || straight < LOOP_SHARE * length) return null;
  return bearingDeg(start, finish);
}

/**
 * How wind blowing FROM `windFromDeg` (meteorological convention, as every provider reports it)
 * meets a runner heading `headingDeg`: from ahead within 45° is a headwind, from behind within 45°
 * a tailwind, anything else a crosswind.
 */
export function windFeel(windFromDeg: number, headingDeg: number): WindFeel {
  // The angle between where the wind comes from and where the runner heads, 0 to 180.
  const apart = Math.abs(((((windFromDeg - headingDeg) % 360) + 540) % 360) - 180);
  if (apart <= HEAD_OR_TAIL_WITHIN_DEG) return 'headwind';
  if (apart >= 180 - HEAD_OR_TAIL_WITHIN_DEG) return 'tailwind';
  return 'crosswind';
}

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;

/** The nearest of the eight compass points: 350° → "N", 100° → "E". */
export function compassPoint(deg: number): (typeof COMPASS)[number] {
  return COMPASS[Math.round((((deg % 360) + 360) % 360) / 45) % 8] ?? 'N';
}
