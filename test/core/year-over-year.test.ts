import { describe, expect, it } from 'vitest';
import { yearOverYear } from '../../src/core/year-over-year.ts';

describe('distance this year against last year', () => {
  it('lays the months side by side, zeros where no run, null for months to come', () => {
    const result = yearOverYear(
      [
        { month: '2024-12', distanceM: 99_000 },
        { month: '2025-01', distanceM: 80_000 },
        { month: '2025-03', distanceM: 120_000 },
        { month: '2025-11', distanceM: 60_000 },
        { month: '2026-01', distanceM: 90_000 },
        { month: '2026-02', distanceM: 0 },
        { month: '2026-03', distanceM: 150_000 },
      ],
      '2026-04-10T08:00:00.000Z',
    );
    expect(result.year).toBe(2026);
    expect(result.months).toHaveLength(12);
    expect(result.months.slice(0, 5)).toEqual([
      { month: 1, distanceM: 90_000, previousYearDistanceM: 80_000 },
      { month: 2, distanceM: 0, previousYearDistanceM: 0 },
      { month: 3, distanceM: 150_000, previousYearDistanceM: 120_000 },
      { month: 4, distanceM: 0, previousYearDistanceM: 0 },
      { month: 5, distanceM: null, previousYearDistanceM: 0 },
    ]);
    expect(result.months[10]).toEqual({
      month: 11,
      distanceM: null,
      previousYearDistanceM: 60_000,
    });
  });

  it('compares with zeros when last year has no runs', () => {
    const result = yearOverYear([{ month: '2026-12', distanceM: 5000 }], '2026-12-31');
    expect(result.months.every((m) => m.previousYearDistanceM === 0)).toBe(true);
    expect(result.months.at(-1)).toEqual({ month: 12, distanceM: 5000, previousYearDistanceM: 0 });
  });
});
