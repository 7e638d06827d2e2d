/**
 * OpenWeatherMap's icon codes (`01d`…`50n`; both weather providers report one) as an emoji with
 * the description as its accessible name. Emoji need no image files and scale with the text.
 */
const ICONS: Record<string, { day: string; night: string }> = {
  '01': { day: '☀️', night: '🌙' },
  '02': { day: '🌤️', night: '☁️' },
  '03': { day: '⛅', night: '☁️' },
  '04': { day: '☁️', night: '☁️' },
  '09': { day: '🌧️', night: '🌧️' },
  '10': { day: '🌦️', night: '🌧️' },
  '11': { day: '⛈️', night: '⛈️' },
  '13': { day: '🌨️', night: '🌨️' },
  '50': { day: '🌫️', night: '🌫️' },
};

export function weatherEmoji(icon: string): string | null {
  const entry = ICONS[icon.slice(0, 2)];
  if (!entry) return null;
  return icon.endsWith('n') ? entry.night : entry.day;
}

export function WeatherIcon({
  icon,
  description,
}: {
  icon: string | null;
  description: string | null;
}) {
  const emoji = icon ? weatherEmoji(icon) : null;
  if (!emoji) return null;
  const label = description ?? 'weather';
  return (
    <span className="weather-icon" role="img" aria-label={label} title={label}>
      {emoji}
    </span>
  );
}
