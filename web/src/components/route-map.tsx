import type { LatLng } from '../../../src/core/route-wind.ts';

const WIDTH = 400;
const HEIGHT = 300;
const PAD = 16;

/**
 * The route's shape as an SVG path: no map tiles, so it draws offline. Points are projected
 * equirectangularly (longitude scaled by the cosine of the mean latitude, which is true enough
 * across a run's few kilometres) and fitted to the box with their aspect kept.
 */
export function RouteMap({ points, label }: { points: readonly LatLng[]; label: string }) {
  const start = points[0];
  const finish = points.at(-1);
  if (!start || !finish) return null;
  const meanLat = points.reduce((sum, [lat]) => sum + lat, 0) / points.length;
  const scaleX = Math.cos((meanLat * Math.PI) / 180);
  const xs = points.map(([, lng]) => lng * scaleX);
  const ys = points.map(([lat]) => lat);
  const [minX, maxX, minY, maxY] = [
    Math.min(...xs),
    Math.max(...xs),
    Math.min(...ys),
    Math.max(...ys),
  ];
  // A run in one spot (a single point, a treadmill with a fix) still gets a finite scale.
  const scale = Math.min(
    (WIDTH - 2 * PAD) / Math.max(maxX - minX, 1e-9),
    (HEIGHT - 2 * PAD) / Math.max(maxY - minY, 1e-9),
  );
  const offsetX = (WIDTH - (maxX - minX) * scale) / 2;
  const offsetY = (HEIGHT - (maxY - minY) * scale) / 2;
  const project = ([lat, lng]: LatLng): [number, number] => [
    offsetX + (lng * scaleX - minX) * scale,
    // North is up: screen y grows downwards.
    offsetY + (maxY - lat) * scale,
  ];
  const d = points
    .map((point, i) => {
      const [x, y] = project(point);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`;
    })
    .join(' ');
  const [sx, sy] = project(start);
  const [fx, fy] = project(finish);
  return (
    <svg
      className="route-map"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="xMidYMid meet"
    >
      <path className="route" d={d} data-points={points.length} />
      <circle className="start" cx={sx} cy={sy} r={6}>
        <title>Start</title>
      </circle>
      <circle className="finish" cx={fx} cy={fy} r={6}>
        <title>Finish</title>
      </circle>
    </svg>
  );
}
