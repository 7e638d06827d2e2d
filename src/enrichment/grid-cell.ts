/**
 * The grids stridesync caches on. Weather is looked up per ~0.1° cell (ERA5-Land's spacing,
 * ~11 km) and UTC hour; places per ~0.01° cell (~1 km: runners start from the same doorsteps).
 * Cells are integers (`round(lat × 10)`), so cache keys never suffer float noise, and every run
 * in a cell is asked about at the cell's centre, so the cached answer belongs to the whole cell.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A cell of a grid with `perDegree` cells per degree (10 for weather, 100 for places). */
export interface Cell {
  latCell: number;
  lngCell: number;
}

/** One weather lookup: a 0.1° cell and the UTC hour [hourMs, hourMs + 1 h). */
export interface WeatherSlot extends Cell {
  hourMs: number;
}

export const WEATHER_CELLS_PER_DEGREE = 10;
export const PLACE_CELLS_PER_DEGREE = 100;

/**
 * Rounds half up like `Math.round`, after trimming binary noise (−74.05 × 10 is −740.4999…),
 * so a coordinate printed with one decimal lands in the cell its digits say. Longitude +180 and
 * −180 are one meridian: both map to the −180 cell, so the date line has one cell, not two.
 */
export function cellOf(lat: number, lng: number, perDegree: number): Cell {
  const scaled = (value: number) => Math.round(Number((value * perDegree).toPrecision(15))) || 0;
  const wrapped = ((((lng + 180) % 360) + 360) % 360) - 180;
  const lngCell = scaled(wrapped);
  return {
    latCell: scaled(Math.max(-90, Math.min(90, lat))),
    lngCell: lngCell === 180 * perDegree ? -180 * perDegree : lngCell,
  };
}

export function weatherSlotOf(lat: number, lng: number, atMs: number): WeatherSlot {
  return { ...cellOf(lat, lng, WEATHER_CELLS_PER_DEGREE), hourMs: hourStartMs(atMs) };
}

/** The centre of a cell, in degrees, as the providers are asked about it. */
export function cellCentre(cell: Cell, perDegree: number): { lat: number; lng: number } {
  return { lat: cell.latCell / perDegree, lng: cell.lngCell / perDegree };
}

export function weatherSlotKey(slot: WeatherSlot): string {
  return `${slot.latCell}:${slot.lngCell}:${slot.hourMs}`;
}

export function cellKey(cell: Cell): string {
  return `${cell.latCell}:${cell.lngCell}`;
}

export function hourStartMs(atMs: number): number {
  return Math.floor(atMs / HOUR_MS) * HOUR_MS;
}

/** Days since the epoch of the UTC day containing the instant. */
export function utcDay(atMs: number): number {
  return Math.floor(atMs / DAY_MS);
}
