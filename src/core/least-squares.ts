/**
 * A straight line through points by ordinary least squares: the slope and intercept that make
 * the summed squared vertical distances smallest, with r² saying how much of y's spread the
 * line explains. Pure; the dashboard's pace-against-temperature trend is this line.
 */
export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination, 0–1 (1 when y does not vary at all and the line is exact). */
  r2: number;
  /** Points the fit used. */
  count: number;
}

/**
 * The fitted line, or null when no line is defined: fewer than two points, or every x the same
 * (a vertical cloud has no slope in y). Non-finite points are left out.
 */
export function fitLine(points: readonly { x: number; y: number }[]): LineFit | null {
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const count = usable.length;
  if (count < 2) return null;
  const meanX = usable.reduce((sum, p) => sum + p.x, 0) / count;
  const meanY = usable.reduce((sum, p) => sum + p.y, 0) / count;
  // Centred sums: the textbook Σxy − n·x̄ȳ loses every digit when x sits far from zero.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const { x, y } of usable) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
    syy += (y - meanY) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return {
    slope,
    intercept: meanY - slope * meanX,
    r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy),
    count,
  };
}
