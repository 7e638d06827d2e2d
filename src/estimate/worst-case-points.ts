import { cellCentre, cellKey, cellOf, WEATHER_CELLS_PER_DEGREE } from '../enrichment/grid-cell.ts';
import type { EstimatePoint } from './enrichment-estimate.ts';

/**
 * Runs Strava has that are not stored yet have no coordinates to count, so they are counted at
 * their worst: each alone in a weather cell (and so a place cell) of its own, shared with no
 * stored run and no other new run. `estimateEnrichment` then charges each one weather call
 * (Open-Meteo: a one-day range, its smallest call, which still weighs what a 14-day one does)
 * and one place lookup, the most a run can cost. Runs without GPS, and runners who start from
 * the same doorsteps, cost less; so the real figures are at most these.
 */
export function worstCasePoints(
  count: number,
  stored: readonly EstimatePoint[],
  at: Date,
): EstimatePoint[] {
  const taken = new Set(stored.map((p) => cellKey(cellOf(p.lat, p.lng, WEATHER_CELLS_PER_DEGREE))));
  const latCells = 2 * 80 * WEATHER_CELLS_PER_DEGREE + 1; // 80°S to 80°N, row after row
  const points: EstimatePoint[] = [];
  for (let i = 0; points.length < count; i++) {
    const cell = {
      latCell: (i % latCells) - 80 * WEATHER_CELLS_PER_DEGREE,
      lngCell: Math.floor(i / latCells) - 180 * WEATHER_CELLS_PER_DEGREE,
    };
    if (!taken.has(cellKey(cell)))
      points.push({ ...cellCentre(cell, WEATHER_CELLS_PER_DEGREE), at });
  }
  return points;
}
