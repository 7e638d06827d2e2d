/**
 * A history that needs more weather calls than a day's quota allows (OpenWeatherMap's free tier:
 * 1,000 One Call calls a day) gets its weather over several days. Said plainly, the same way by
 * the CLI and the dashboard: "412 runs get weather today; the rest by Tue 8 Dec". Nothing to
 * say when today's quota is enough. The date is in the reader's time zone (the quota's day ends
 * at midnight UTC, which the estimate counts in).
 */
export interface WeatherSchedule {
  /** Runs that get weather before the daily quota resets. */
  runsToday: number;
  /** Calendar days of daily quota the weather calls need (1 when they fit in today's). */
  days: number;
  /** When the last weather call is expected (ISO 8601), or null when none is needed. */
  finishesAt: string | null;
}

export function weatherDaysText(
  weather: WeatherSchedule,
  options: { timeZone?: string } = {},
): string | undefined {
  if (weather.days <= 1 || weather.finishesAt === null) return undefined;
  const date = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(new Date(weather.finishesAt));
  const runs = weather.runsToday.toLocaleString('en');
  return `${runs} ${weather.runsToday === 1 ? 'run gets' : 'runs get'} weather today; the rest by ${date}`;
}
