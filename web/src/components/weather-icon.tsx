import type { ReactNode } from 'react';

/**
 * OpenWeatherMap's icon codes (`01d`…`50n`; both weather providers report one) as small inline
 * SVGs named by the weather's description. Drawn here rather than as emoji, which many systems
 * (Linux without an emoji font) show as empty boxes, or as image files the page would fetch.
 */
type Kind =
  | 'sun'
  | 'moon'
  | 'sun-cloud'
  | 'moon-cloud'
  | 'cloud'
  | 'rain'
  | 'storm'
  | 'snow'
  | 'fog';

const KINDS: Record<string, { day: Kind; night: Kind }> = {
  '01': { day: 'sun', night: 'moon' },
  '02': { day: 'sun-cloud', night: 'moon-cloud' },
  '03': { day: 'cloud', night: 'cloud' },
  '04': { day: 'cloud', night: 'cloud' },
  '09': { day: 'rain', night: 'rain' },
  '10': { day: 'rain', night: 'rain' },
  '11': { day: 'storm', night: 'storm' },
  '13': { day: 'snow', night: 'snow' },
  '50': { day: 'fog', night: 'fog' },
};

export function weatherKind(icon: string): Kind | null {
  const entry = KINDS[icon.slice(0, 2)];
  if (!entry) return null;
  return icon.endsWith('n') ? entry.night : entry.day;
}

const SUN = '#f59e0b';
const MOON = '#64748b';
const CLOUD = '#94a3b8';
const WATER = '#2563eb';

const cloud = (y = 0) => (
  <path
    d="M6.5 19h11a4 4 0 0 0 .6-7.96 6 6 0 0 0-11.4 1.3A3.35 3.35 0 0 0 6.5 19z"
    transform={`translate(0 ${y})`}
    fill="#e2e8f0"
    stroke={CLOUD}
    strokeWidth="1.5"
    strokeLinejoin="round"
  />
);

const sun = (cx: number, cy: number, r: number) => (
  <g stroke={SUN} strokeWidth="1.5" strokeLinecap="round">
    <circle cx={cx} cy={cy} r={r} fill={SUN} />
    {[0, 45, 90, 135, 180, 225, 270, 315].map((deg) => {
      const a = (deg * Math.PI) / 180;
      return (
        <line
          key={deg}
          x1={cx + Math.cos(a) * (r + 2)}
          y1={cy + Math.sin(a) * (r + 2)}
          x2={cx + Math.cos(a) * (r + 3.5)}
          y2={cy + Math.sin(a) * (r + 3.5)}
        />
      );
    })}
  </g>
);

const moon = (scale = 1, dx = 0, dy = 0) => (
  <path
    d="M19 14.5A7.5 7.5 0 1 1 9.5 5a6 6 0 0 0 9.5 9.5z"
    transform={`translate(${dx} ${dy}) scale(${scale})`}
    fill={MOON}
  />
);

const SHAPES: Record<Kind, () => ReactNode> = {
  sun: () => sun(12, 12, 4.5),
  moon: () => moon(),
  'sun-cloud': () => (
    <>
      {sun(8.5, 8, 3)}
      {cloud(1)}
    </>
  ),
  'moon-cloud': () => (
    <>
      {moon(0.6, 1, 0)}
      {cloud(1)}
    </>
  ),
  cloud: () => cloud(),
  rain: () => (
    <>
      {cloud(-3)}
      <g stroke={WATER} strokeWidth="1.5" strokeLinecap="round">
        <line x1="8" y1="19" x2="7" y2="22" />
        <line x1="12" y1="19" x2="11" y2="22" />
        <line x1="16" y1="19" x2="15" y2="22" />
      </g>
    </>
  ),
  storm: () => (
    <>
      {cloud(-3)}
      <path
        d="M12.5 16.5 10 20.5h3l-1.5 3"
        fill="none"
        stroke={SUN}
        strokeWidth="1.6"
        strokeLinejoin="round"
      />
    </>
  ),
  snow: () => (
    <>
      {cloud(-3)}
      <g fill={WATER}>
        <circle cx="8" cy="20" r="1" />
        <circle cx="12" cy="21.5" r="1" />
        <circle cx="16" cy="20" r="1" />
      </g>
    </>
  ),
  fog: () => (
    <g stroke={CLOUD} strokeWidth="1.8" strokeLinecap="round">
      <line x1="4" y1="8" x2="20" y2="8" />
      <line x1="6" y1="12" x2="18" y2="12" />
      <line x1="4" y1="16" x2="20" y2="16" />
    </g>
  ),
};

export function WeatherIcon({
  icon,
  description,
}: {
  icon: string | null;
  description: string | null;
}) {
  const kind = icon ? weatherKind(icon) : null;
  if (!kind) return null;
  const label = description ?? 'weather';
  return (
    <svg
      className="weather-icon"
      viewBox="0 0 24 24"
      width="24"
      height="24"
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      {SHAPES[kind]()}
    </svg>
  );
}
