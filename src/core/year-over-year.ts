/**
 * Distance by calendar month, this year against last year: the runner's months (`YYYY-MM`, their
 * local months) laid side by side, January to December. A month without runs is 0; a month of
 * this year still to come is null, so a chart does not draw this year's line down to zero in
 * months that have not happened yet.
 */
export interface YearOverYear {
  year: number;
  months: {
    /** 1 (January) to 12. */
    month: number;
    distanceM: number | null;
    previousYearDistanceM: number;
  }[];
}

/** `today` is `YYYY-MM…` (a date or a month): its year is "this year", its month the last one. */
export function yearOverYear(
  months: readonly { month: string; distanceM: number }[],
  today: string,
): YearOverYear {
  const year = Number(today.slice(0, 4));
  const currentMonth = Number(today.slice(5, 7));
  const byMonth = new Map(months.map((m) => [m.month, m.distanceM]));
  const key = (y: number, m: number) => `${y}-${String(m).padStart(2, '0')}`;
  return {
    year,
    months: Array.from({ length: 12 }, (_, index) => {
      const month = index + 1;
      return {
        month,
        distanceM: month > currentMonth ? null : (byMonth.get(key(year, month)) ?? 0),
        previousYearDistanceM: byMonth.get(key(year - 1, month)) ?? 0,
      };
    }),
  };
}
