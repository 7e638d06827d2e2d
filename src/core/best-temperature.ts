/**
 * A runner's own "best temperature": the band of air temperature in which their typical pace
 * is fastest. Typical is the median pace of the band's runs, so one race or one stroll does not
 * move it; a band needs `minRuns` runs to count, so two lucky runs do not make a best band.
 * Pure; bands are `widthC` wide and aligned to multiples of it (5 °C: …, 5–10, 10–15, …).
 */
export interface TemperatureBand {
  /** Lower edge, included, °C. */
  fromC: number;
  /** Upper edge, excluded, °C. */
  toC: number;
  runs: number;
  medianPaceSPerKm: number;
}

export const BEST_TEMPERATURE_BAND_C = 5;
/** Fewer runs than this and a band's median is one or two runs' luck (the demo's 30–35 °C band had 5). */
export const BEST_TEMPERATURE_MIN_RUNS = 10;

/** Every band with at least one run, coldest first, with its run count and median pace. */
export function temperatureBands(
  runs: readonly { temperatureC: number; paceSPerKm: number }[],
  widthC = BEST_TEMPERATURE_BAND_C,
): TemperatureBand[] {
  const paces = new Map<number, number[]>();
  for (const run of runs) {
    if (!Number.isFinite(run.temperatureC) || !(run.paceSPerKm > 0)) continue;
    const fromC = Math.floor(run.temperatureC / widthC) * widthC;
    const band = paces.get(fromC) ?? [];
    band.push(run.paceSPerKm);
    paces.set(fromC, band);
  }
  return [...paces]
    .sort(([a], [b]) => a - b)
    .map(([fromC, band]) => ({
      fromC,
      toC: fromC + widthC,
      runs: band.length,
      medianPaceSPerKm: median(band),
    }));
}

/**
 * The band of fastest median pace among those with `minRuns` runs or more; null when no band
 * has that many. A tie goes to the band with more runs, then the cooler one.
 */
export function bestTemperature(
  runs: readonly { temperatureC: number; paceSPerKm: number }[],
  options: { widthC?: number; minRuns?: number } = {},
): TemperatureBand | null {
  const minRuns = options.minRuns ?? BEST_TEMPERATURE_MIN_RUNS;
  let best: TemperatureBand | null = null;
  for (const band of temperatureBands(runs, options.widthC)) {
    if (band.runs < minRuns) continue;
    const faster =
      !best ||
      band.medianPaceSPerKm < best.medianPaceSPerKm ||
      (band.medianPaceSPerKm === best.medianPaceSPerKm && band.runs > best.runs);
    if (faster) best = band;
  }
  return best;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
