/**
 * Heat-adjusted pace: what a run in warm, humid air is worth in cool air, after Mark Hadley's
 * temperature + dew point rule (Maximum Performance Running, "Temperature + Dew Point For Pace
 * Adjustments", 24 July 2013; docs/dashboard.md has the table and the link). Add the air
 * temperature and the dew point, both in °F; the sum gives how much slower a continuous run
 * is in those conditions:
 *
 *   ≤ 100: 0 %    101–110: 0–0.5 %    111–120: 0.5–1 %    121–130: 1–2 %    131–140: 2–3 %
 *   141–150: 3–4.5 %    151–160: 4.5–6 %    161–170: 6–8 %    171–180: 8–10 %
 *   > 180: hard running not recommended
 *
 * Hadley gives each band as a range (runners differ); this reads the table as one line through
 * the bands' edges, so the percentage grows smoothly with the sum, and holds it at 10 % above
 * 180 with `notRecommended` set. A run at pace p in conditions costing k % is worth
 * p / (1 + k/100) in cool air: the inverse of Hadley's "slow your planned pace by k %".
 * For repeats of a mile or less Hadley halves the adjustment; this is the continuous-run one.
 */

/** (temperature + dew point in °F, % slower): the edges of Hadley's bands. */
const HADLEY_CURVE: readonly (readonly [number, number])[] = [
  [100, 0],
  [110, 0.5],
  [120, 1],
  [130, 2],
  [140, 3],
  [150, 4.5],
  [160, 6],
  [170, 8],
  [180, 10],
];
const NOT_RECOMMENDED_ABOVE_F = 180;

export interface HeatAdjustment {
  /** Air temperature plus dew point, °F: the number Hadley's table is read with. */
  combinedF: number;
  /** How much slower the conditions make a continuous run, % (0–10). */
  slowdownPct: number;
  /** Above 180: Hadley advises against hard running at all. */
  notRecommended: boolean;
}

const fahrenheit = (celsius: number) => (celsius * 9) / 5 + 32;

export function heatAdjustment(temperatureC: number, dewPointC: number): HeatAdjustment {
  const combinedF = fahrenheit(temperatureC) + fahrenheit(Math.min(dewPointC, temperatureC));
  return {
    combinedF,
    slowdownPct: slowdownAt(combinedF),
    notRecommended: combinedF > NOT_RECOMMENDED_ABOVE_F,
  };
}

/** The pace (s/km) the run is worth in cool air; the pace itself when no adjustment applies. */
export function heatAdjustedPace(
  paceSPerKm: number,
  temperatureC: number,
  dewPointC: number,
): number {
  return paceSPerKm / (1 + heatAdjustment(temperatureC, dewPointC).slowdownPct / 100);
}

/**
 * Dew point from temperature and relative humidity (Magnus formula, Alduchov and Eskridge's
 * constants, as the weather providers compute it), for a run whose weather has humidity only.
 */
export function dewPointFromHumidity(temperatureC: number, humidityPct: number): number {
  const a = 17.625;
  const b = 243.04;
  const gamma = Math.log(Math.max(humidityPct, 1) / 100) + (a * temperatureC) / (b + temperatureC);
  return (b * gamma) / (a - gamma);
}

function slowdownAt(combinedF: number): number {
  const first = HADLEY_CURVE[0] as readonly [number, number];
  if (combinedF <= first[0]) return 0;
  for (let i = 1; i < HADLEY_CURVE.length; i++) {
    const [x1, y1] = HADLEY_CURVE[i] as readonly [number, number];
    if (combinedF <= x1) {
      const [x0, y0] = HADLEY_CURVE[i - 1] as readonly [number, number];
      return y0 + ((combinedF - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return (HADLEY_CURVE.at(-1) as readonly [number, number])[1];
}
