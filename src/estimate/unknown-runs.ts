import { DAY_MS, HOUR_MS } from '../enrichment/grid-cell.ts';
import type { EstimatePoint } from './enrichment-estimate.ts';

/**
 * Runs Strava has that are not stored here have no coordinates or times to count, so they are
 * counted like the runner's known runs: as many with GPS, at the same starting points in turn
 * (oldest first), on days of their own, one a day back from the oldest known run (or from now). A runner with nothing known is
 * counted as the benchmark athletes run: a share of runs with GPS (`GPS_SHARE`), and a new
 * start cell (0.01°, ~1 km) every `RUNS_PER_PLACE_CELL` runs around one home. The shared
 * caches are counted for the known points only; runs coming back after a deletion are known
 * (see `storedRuns().deleted`) and not counted here.
 */
export const GPS_SHARE = 0.86;
export const RUNS_PER_PLACE_CELL = 3.6;
export const WEATHER_CELLS_AROUND_HOME = 4;
/** Where the made-up runs start: any land will do, only the cells' count and spread matter. */
const HOME = { lat: 47.05, lng: 8.05 };

export function unknownRunPoints(
  count: number,
  known: { points: readonly EstimatePoint[]; runs: number },
  nowMs: number,
): EstimatePoint[] {
  if (count <= 0) return [];
  const points = [...known.points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const oldest = points.reduce((min, p) => Math.min(min, p.at.getTime()), nowMs);
  // At 07:00 UTC, a day apart: each its own weather hour, as nearly every run is.
  const firstDay = Math.floor(oldest / DAY_MS) * DAY_MS + 7 * HOUR_MS;
  const at = (i: number) => new Date(firstDay - (i + 1) * DAY_MS);
  if (points.length > 0) {
    const withGps = Math.round((count * points.length) / Math.max(known.runs, points.length));
    return Array.from({ length: withGps }, (_, i) => {
      const p = points[i % points.length] as EstimatePoint;
      return { lat: p.lat, lng: p.lng, at: at(i) };
    });
  }
  const withGps = Math.round(count * GPS_SHARE);
  return Array.from({ length: withGps }, (_, i) => {
    const cell = Math.floor(i / RUNS_PER_PLACE_CELL);
    // Starts spread over a town's few weather cells (0.1°) in turn, new place cells in each,
    // so a batch of the sync asks for a few weather cells, as the benchmark athletes' do.
    const weatherCell = cell % WEATHER_CELLS_AROUND_HOME;
    const inCell = Math.floor(cell / WEATHER_CELLS_AROUND_HOME);
    return {
      lat: HOME.lat + weatherCell * 0.1 + (inCell % 10) * 0.01,
      lng: HOME.lng + Math.floor(inCell / 10) * 0.01,
      at: at(i),
    };
  });
}
