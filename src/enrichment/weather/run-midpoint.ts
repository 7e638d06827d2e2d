/**
 * The instant whose weather describes a run: its midpoint, start + elapsed / 2. The start alone
 * is wrong for long runs (a 3-hour long run at dawn starts cold and ends warm), and the end of a
 * run is where too many tools read "the weather" after it was over. Elapsed time, not moving
 * time: the run was outside for all of it. Epoch arithmetic: time zones and daylight-saving
 * changes cannot shift it.
 */
export function runMidpoint(startDate: Date, elapsedTimeS: number): Date {
  return new Date(startDate.getTime() + (Math.max(0, elapsedTimeS) * 1000) / 2);
}
