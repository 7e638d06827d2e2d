import type { ReactNode } from 'react';
import type { ActivityInsightsView, ActivityStatsView } from '../../../src/api/contract.ts';
import {
  BEST_TEMPERATURE_BAND_C,
  BEST_TEMPERATURE_MIN_RUNS,
  temperatureBands,
} from '../../../src/core/best-temperature.ts';
import {
  distanceIn,
  distanceUnit,
  formatPaceSeconds,
  paceSeconds,
  temperatureIn,
  type UnitSystem,
} from '../../../src/core/units.ts';
import { formatCount, formatMonth } from '../format.ts';
import { useUnits } from '../units.tsx';

/**
 * What the runner's history says, from the stats route's `insights`: their pace against
 * temperature with its fitted trend and their best temperature, and this year's distance by
 * month against last year's. Each chart is an SVG drawn here (no canvas, so it prints and
 * scales), named by a one-line summary a screen reader reads, with its numbers in a table.
 */
export function Insights({ stats }: { stats: ActivityStatsView | null }) {
  if (!stats || stats.months.length === 0) return null;
  const { insights } = stats;
  return (
    <section aria-labelledby="insights-heading" className="insights">
      <h2 id="insights-heading">What your runs say</h2>
      <div className="charts">
        <TemperatureInsight points={stats.paceVsTemperature} insights={insights} />
        {insights.yearOverYear && <YearInsight yearOverYear={insights.yearOverYear} />}
      </div>
    </section>
  );
}

const WIDTH = 360;
const HEIGHT = 220;
const MARGIN = { top: 22, right: 12, bottom: 30, left: 46 };
const ACCENT = 'var(--pico-primary, #0172ad)';
const MUTED = 'var(--pico-muted-color, #646b79)';

/** A linear scale from a data range onto a pixel range; a single value maps to the middle. */
function scale(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value: number) =>
    d1 === d0 ? (r0 + r1) / 2 : r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** A pace the API gives in seconds per km, in seconds per km or per mile. */
const paceIn = (units: UnitSystem, sPerKm: number) => paceSeconds(units, 1000, sPerKm) ?? 0;
const formatPaceOf = (units: UnitSystem, sPerKm: number) =>
  formatPaceSeconds(units, paceIn(units, sPerKm));
const degree = (units: UnitSystem) => (units === 'metric' ? '°C' : '°F');
/** The bands' width in the runner's scale: 5 °C is 9 °F. */
const bandWidth = (units: UnitSystem) =>
  `${units === 'metric' ? BEST_TEMPERATURE_BAND_C : (BEST_TEMPERATURE_BAND_C * 9) / 5} ${degree(units)}`;
/** A band's edge, whole degrees in the runner's scale. */
const edge = (units: UnitSystem, celsius: number) => Math.round(temperatureIn(units, celsius));
const bandText = (units: UnitSystem, band: { fromC: number; toC: number }) =>
  `${edge(units, band.fromC)} to ${edge(units, band.toC)} ${degree(units)}`;

/** The trend in words: how many seconds per km (or mile) each degree warmer costs or gives. */
function trendSentence(units: UnitSystem, trend: ActivityInsightsView['paceTrend']): string {
  if (!trend) return 'Too few runs at different temperatures to fit a trend.';
  // Seconds per unit of distance for each degree of the runner's scale (a °F is 5/9 of a °C).
  const perDegree =
    Math.abs(paceIn(units, trend.slopeSPerKmPerC)) * (units === 'metric' ? 1 : 5 / 9);
  const over = `(fitted over ${formatCount(trend.runs)} runs)`;
  if (perDegree < 0.05) return `Your pace barely changes with temperature ${over}.`;
  const way = trend.slopeSPerKmPerC > 0 ? 'slower' : 'faster';
  return `Trend: ${perDegree.toFixed(1)} s/${distanceUnit(units)} ${way} for each ${degree(units)} warmer ${over}.`;
}

function bestSentence(units: UnitSystem, best: ActivityInsightsView['bestTemperature']): string {
  if (!best)
    return `No temperature band (${bandWidth(units)} wide) has ${BEST_TEMPERATURE_MIN_RUNS} runs yet, so no best temperature.`;
  return `Your best temperature is ${bandText(units, best)}: a median pace of ${formatPaceOf(
    units,
    best.medianPaceSPerKm,
  )} over ${formatCount(best.runs)} runs.`;
}

function TemperatureInsight({
  points,
  insights,
}: {
  points: ActivityStatsView['paceVsTemperature'];
  insights: ActivityInsightsView;
}) {
  const units = useUnits();
  const { paceTrend: trend, bestTemperature: best } = insights;
  const summary = `${bestSentence(units, best)} ${trendSentence(units, trend)}`;
  const bands = temperatureBands(points);
  if (points.length === 0)
    return (
      <figure>
        <p className="chart-empty">Your best temperature appears once your runs have weather.</p>
        <figcaption>Pace against temperature, with its trend</figcaption>
      </figure>
    );
  const temperatures = points.map((p) => p.temperatureC);
  const paces = points.map((p) => p.paceSPerKm);
  const tMin = Math.floor(Math.min(...temperatures));
  const tMax = Math.ceil(Math.max(...temperatures));
  const x = scale([tMin, tMax], [MARGIN.left, WIDTH - MARGIN.right]);
  // Faster up: the smallest pace at the top.
  const y = scale(
    [Math.min(...paces) - 10, Math.max(...paces) + 10],
    [MARGIN.top, HEIGHT - MARGIN.bottom],
  );
  const paceAt = (t: number) => (trend ? trend.interceptSPerKm + trend.slopeSPerKmPerC * t : 0);
  return (
    <InsightChart
      name="temperature"
      summary={summary}
      caption="Pace against temperature, with its trend"
      tableTitle="Pace by temperature band as a table"
      table={
        <table>
          <thead>
            <tr>
              <th scope="col">Temperature</th>
              <th scope="col">Runs</th>
              <th scope="col">Median pace</th>
            </tr>
          </thead>
          <tbody>
            {bands.map((band) => (
              <tr key={band.fromC} aria-current={band.fromC === best?.fromC ? 'true' : undefined}>
                <td>
                  {bandText(units, band)}
                  {band.fromC === best?.fromC ? ' (best)' : ''}
                </td>
                <td>{band.runs}</td>
                <td>{formatPaceOf(units, band.medianPaceSPerKm)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {best && (
        <rect
          className="best-band"
          x={x(Math.max(best.fromC, tMin))}
          width={Math.max(2, x(Math.min(best.toC, tMax)) - x(Math.max(best.fromC, tMin)))}
          y={MARGIN.top}
          height={HEIGHT - MARGIN.top - MARGIN.bottom}
          style={{ fill: ACCENT, opacity: 0.12 }}
        />
      )}
      <Axes
        xLabel={`Temperature (${degree(units)})`}
        yLabel="Pace"
        xTicks={[tMin, Math.round((tMin + tMax) / 2), tMax].map((t) => ({
          at: x(t),
          text: `${edge(units, t)}`,
        }))}
        yTicks={[Math.min(...paces), Math.max(...paces)].map((p) => ({
          at: y(p),
          text: formatPaceOf(units, p).replace(/ \/(km|mi)$/, ''),
        }))}
      />
      {points.map((p) => (
        <circle
          key={p.id}
          className="run"
          cx={x(p.temperatureC)}
          cy={y(p.paceSPerKm)}
          r={2.5}
          style={{ fill: ACCENT, opacity: 0.55 }}
        />
      ))}
      {trend && (
        <line
          className="trend"
          x1={x(tMin)}
          y1={y(paceAt(tMin))}
          x2={x(tMax)}
          y2={y(paceAt(tMax))}
          style={{ stroke: 'currentColor', strokeWidth: 2 }}
        />
      )}
    </InsightChart>
  );
}

/** This year so far against the same months of last year, in words. */
function yearSentence(
  units: UnitSystem,
  yoy: NonNullable<ActivityInsightsView['yearOverYear']>,
): string {
  const elapsed = yoy.months.filter((m) => m.distanceM !== null);
  const unit = distanceUnit(units);
  const thisYear = distanceIn(
    units,
    elapsed.reduce((sum, m) => sum + (m.distanceM ?? 0), 0),
  );
  const lastYear = distanceIn(
    units,
    elapsed.reduce((sum, m) => sum + m.previousYearDistanceM, 0),
  );
  const head = `${yoy.year} so far: ${formatCount(Math.round(thisYear))} ${unit}`;
  if (lastYear === 0) return `${head}; no runs in the same months of ${yoy.year - 1}.`;
  const change = Math.round(((thisYear - lastYear) / lastYear) * 100);
  const against =
    change === 0 ? 'level with' : `${Math.abs(change)} % ${change > 0 ? 'ahead of' : 'behind'}`;
  return `${head}, ${against} ${yoy.year - 1} by the same month (${formatCount(Math.round(lastYear))} ${unit}).`;
}

function YearInsight({
  yearOverYear: yoy,
}: {
  yearOverYear: NonNullable<ActivityInsightsView['yearOverYear']>;
}) {
  const units = useUnits();
  const unit = distanceUnit(units);
  const inUnits = (m: number) => distanceIn(units, m);
  const top = Math.max(
    1,
    ...yoy.months.map((m) => Math.max(inUnits(m.distanceM ?? 0), inUnits(m.previousYearDistanceM))),
  );
  const x = scale([1, 12], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = scale([0, top], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const line = (values: (number | null)[]) =>
    values
      .flatMap((value, i) => (value === null ? [] : [`${x(i + 1)},${y(inUnits(value))}`]))
      .join(' ');
  const label = (month: number) =>
    formatMonth(`${yoy.year}-${String(month).padStart(2, '0')}`).split(' ')[0] ?? '';
  const summary = yearSentence(units, yoy);
  return (
    <InsightChart
      name="year"
      summary={summary}
      caption={`Distance by month: ${yoy.year} (solid) against ${yoy.year - 1} (dashed)`}
      tableTitle="Distance by month, this year and last, as a table"
      table={
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">{yoy.year}</th>
              <th scope="col">{yoy.year - 1}</th>
            </tr>
          </thead>
          <tbody>
            {yoy.months.map((m) => (
              <tr key={m.month}>
                <td>{label(m.month)}</td>
                <td>{m.distanceM === null ? '–' : `${inUnits(m.distanceM).toFixed(1)} ${unit}`}</td>
                <td>{`${inUnits(m.previousYearDistanceM).toFixed(1)} ${unit}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <Axes
        xLabel="Month"
        yLabel={unit}
        xTicks={[1, 4, 7, 10, 12].map((m) => ({ at: x(m), text: label(m) }))}
        yTicks={[0, Math.round(top)].map((v) => ({ at: y(v), text: String(v) }))}
      />
      <polyline
        className="previous-year"
        points={line(yoy.months.map((m) => m.previousYearDistanceM))}
        style={{ fill: 'none', stroke: MUTED, strokeWidth: 2, strokeDasharray: '5 4' }}
      />
      <polyline
        className="this-year"
        points={line(yoy.months.map((m) => m.distanceM))}
        style={{ fill: 'none', stroke: ACCENT, strokeWidth: 2.5 }}
      />
    </InsightChart>
  );
}

/**
 * An insight: its sentence, the chart that shows it (labelled by the sentence), a caption, and
 * the same figures as a table for those who do not read charts.
 */
function InsightChart({
  name,
  summary,
  caption,
  tableTitle,
  table,
  children,
}: {
  name: string;
  summary: string;
  caption: string;
  tableTitle: string;
  table: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure>
      <p id={`insight-${name}-summary`} className="insight-summary">
        {summary}
      </p>
      <svg
        id={`insight-${name}-chart`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`insight-${name}-summary`}
        style={{ width: '100%', height: 'auto' }}
      >
        <title>{summary}</title>
        {children}
      </svg>
      <figcaption>{caption}</figcaption>
      <details>
        <summary>{tableTitle}</summary>
        {table}
      </details>
    </figure>
  );
}

/**
 * Both axes with a few labelled ticks. Inside an `img` their text is not read out: the
 * summary names the chart, and the table holds its numbers.
 */
function Axes({
  xLabel,
  yLabel,
  xTicks,
  yTicks,
}: {
  xLabel: string;
  yLabel: string;
  xTicks: { at: number; text: string }[];
  yTicks: { at: number; text: string }[];
}) {
  const bottom = HEIGHT - MARGIN.bottom;
  return (
    <g style={{ fill: 'currentColor', fontSize: 10 }}>
      <line
        x1={MARGIN.left}
        y1={bottom}
        x2={WIDTH - MARGIN.right}
        y2={bottom}
        style={{ stroke: MUTED }}
      />
      <line
        x1={MARGIN.left}
        y1={MARGIN.top}
        x2={MARGIN.left}
        y2={bottom}
        style={{ stroke: MUTED }}
      />
      {xTicks.map((tick) => (
        <text key={`x${tick.text}`} x={tick.at} y={bottom + 12} textAnchor="middle">
          {tick.text}
        </text>
      ))}
      {yTicks.map((tick) => (
        <text key={`y${tick.text}`} x={MARGIN.left - 4} y={tick.at + 3} textAnchor="end">
          {tick.text}
        </text>
      ))}
      <text x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 2} textAnchor="middle">
        {xLabel}
      </text>
      <text x={4} y={10}>
        {yLabel}
      </text>
    </g>
  );
}
