import { describe, expect, it } from 'vitest';
import { fitLine } from '../../src/core/least-squares.ts';

describe('fitLine (ordinary least squares)', () => {
  it('recovers an exact line', () => {
    const points = [0, 5, 10, 20, 30].map((x) => ({ x, y: 300 + 2.5 * x }));
    const fit = fitLine(points)!;
    expect(fit.slope).toBeCloseTo(2.5, 12);
    expect(fit.intercept).toBeCloseTo(300, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.count).toBe(5);
  });

  it('matches the closed form on a scattered cloud (worked by hand)', () => {
    // x̄ = 2, ȳ = 4; Sxx = 10, Sxy = 6, Syy = 8: slope 0.6, intercept 2.8, r² = 36/80.
    const points = [
      { x: 0, y: 2 },
      { x: 1, y: 5 },
      { x: 2, y: 3 },
      { x: 3, y: 5 },
      { x: 4, y: 5 },
    ];
    const fit = fitLine(points)!;
    expect(fit.slope).toBeCloseTo(0.6, 12);
    expect(fit.intercept).toBeCloseTo(2.8, 12);
    expect(fit.r2).toBeCloseTo(0.45, 12);
  });

  it('keeps its digits when x sits far from zero', () => {
    const points = [0, 1, 2, 3].map((i) => ({ x: 1e9 + i, y: 7 - 3 * i }));
    const fit = fitLine(points)!;
    expect(fit.slope).toBeCloseTo(-3, 9);
    expect(fit.intercept + fit.slope * (1e9 + 2)).toBeCloseTo(1, 3);
  });

  it('has no line for fewer than two points or a single x, and skips non-finite points', () => {
    expect(fitLine([])).toBeNull();
    expect(fitLine([{ x: 1, y: 2 }])).toBeNull();
    expect(
      fitLine([
        { x: 4, y: 1 },
        { x: 4, y: 9 },
      ]),
    ).toBeNull();
    const fit = fitLine([
      { x: 0, y: 0 },
      { x: Number.NaN, y: 50 },
      { x: 2, y: Number.POSITIVE_INFINITY },
      { x: 1, y: 1 },
    ])!;
    expect(fit).toMatchObject({ slope: 1, intercept: 0, count: 2 });
  });

  it('calls a flat line exact', () => {
    expect(
      fitLine([
        { x: 0, y: 5 },
        { x: 10, y: 5 },
      ]),
    ).toEqual({ slope: 0, intercept: 5, r2: 1, count: 2 });
  });
});
