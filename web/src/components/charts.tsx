import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';
import type { ActivityStatsView } from '../../../src/api/contract.ts';
import {
  distanceIn,
  distanceUnit,
  formatPaceSeconds,
  formatTemperature,
  METRES_PER_KM,
  temperatureIn,
  type UnitSystem,
} from '../../../src/core/units.ts';
import { formatCount, formatMonth } from '../format.ts';
import { useUnits } from '../units.tsx';

Chart.register(
  ScatterController,
  BarController,
  LinearScale,
  CategoryScale,
  PointElement,
  BarElement,
  Tooltip,
);

const ACCENT = '#0172ad';

/**
 * The runner's whole history in two charts: pace against temperature (does heat slow them?) and
 * distance per month. A canvas says nothing to a screen reader, so each has a one-line summary as
 * its accessible name and the same numbers as a table behind a disclosure.
 */
export function Charts({ stats }: { stats: ActivityStatsView | null }) {
  return (
    <section aria-labelledby="charts-heading" aria-busy={stats === null}>
      <h2 id="charts-heading">Your history</h2>
      {stats && stats.months.length === 0 && (
        <p>
          Charts of your pace against temperature and your distance per month appear after a sync.
        </p>
      )}
      {stats && stats.months.length > 0 && (
        <div className="charts">
          <PaceChart points={stats.paceVsTemperature} />
          <MonthChart months={stats.months} />
        </div>
      )}
    </section>
  );
}

/** A pace in minutes per km or per mile (the chart's axis) as the runner reads it: "5:12 /km". */
function paceLabel(units: UnitSystem, minutes: number): string {
  return formatPaceSeconds(units, minutes * 60);
}

function PaceChart({ points }: { points: ActivityStatsView['paceVsTemperature'] }) {
  const units = useUnits();
  const unit = distanceUnit(units);
  const degree = formatTemperature(units, 0).replace(/^0 /, '');
  if (points.length === 0)
    return (
      <figure>
        <p className="chart-empty">
          Pace against temperature appears once your runs have their weather.
        </p>
        <figcaption>Pace against temperature</figcaption>
      </figure>
    );
  const temperatures = points.map((p) => p.temperatureC);
  const summary = `Pace against temperature: ${points.length} runs from ${formatTemperature(
    units,
    Math.min(...temperatures),
  )} to ${formatTemperature(units, Math.max(...temperatures))}.`;
  // Seconds per km → minutes per km or per mile.
  const paceMinutes = (secondsPerKm: number) =>
    secondsPerKm / 60 / distanceIn(units, METRES_PER_KM);
  return (
    <figure>
      <ChartCanvas
        id="pace-chart"
        label={summary}
        config={{
          type: 'scatter',
          data: {
            datasets: [
              {
                label: 'Runs',
                data: points.map((p) => ({
                  x: temperatureIn(units, p.temperatureC),
                  y: paceMinutes(p.paceSPerKm),
                })),
                backgroundColor: `${ACCENT}99`,
                pointRadius: 3,
              },
            ],
          },
          options: {
            scales: {
              x: { title: { display: true, text: `Temperature (${degree})` } },
              y: {
                reverse: true,
                title: { display: true, text: `Pace (min/${unit}, faster up)` },
                ticks: {
                  callback: (value) => paceLabel(units, Number(value)).replace(` /${unit}`, ''),
                },
              },
            },
            plugins: {
              tooltip: {
                callbacks: {
                  label: (item) =>
                    `${(item.parsed.x ?? 0).toFixed(0)} ${degree}: ${paceLabel(units, item.parsed.y ?? 0)}`,
                },
              },
            },
          },
        }}
      />
      <figcaption>Pace against temperature</figcaption>
      <ChartTable
        summary="Pace against temperature as a table"
        columns={['Date', 'Temperature', 'Pace']}
        rows={points.map((p) => ({
          key: p.id,
          cells: [
            p.date,
            formatTemperature(units, p.temperatureC),
            paceLabel(units, paceMinutes(p.paceSPerKm)),
          ],
        }))}
      />
    </figure>
  );
}

function MonthChart({ months }: { months: ActivityStatsView['months'] }) {
  const units = useUnits();
  const unit = distanceUnit(units);
  const total = distanceIn(
    units,
    months.reduce((sum, m) => sum + m.distanceM, 0),
  );
  const summary =
    months.length === 0
      ? 'Distance per month: no runs yet.'
      : `Distance per month: ${formatCount(Math.round(total))} ${unit} over ${months.length} months, ${formatMonth(
          months[0]?.month ?? '',
        )} to ${formatMonth(months.at(-1)?.month ?? '')}.`;
  return (
    <figure>
      <ChartCanvas
        id="month-chart"
        label={summary}
        config={{
          type: 'bar',
          data: {
            labels: months.map((m) => formatMonth(m.month)),
            datasets: [
              {
                label: `Distance (${unit})`,
                data: months.map((m) => Math.round(distanceIn(units, m.distanceM) * 10) / 10),
                backgroundColor: ACCENT,
              },
            ],
          },
          options: {
            scales: {
              y: { beginAtZero: true, title: { display: true, text: `Distance (${unit})` } },
            },
          },
        }}
      />
      <figcaption>Distance per month</figcaption>
      <ChartTable
        summary="Distance per month as a table"
        columns={['Month', 'Runs', 'Distance']}
        rows={months.map((m) => ({
          key: m.month,
          cells: [
            formatMonth(m.month),
            String(m.runs),
            `${distanceIn(units, m.distanceM).toFixed(1)} ${unit}`,
          ],
        }))}
      />
    </figure>
  );
}

/** A chart's numbers as a table, behind a disclosure: what a screen reader or a curious runner reads. */
function ChartTable({
  summary,
  columns,
  rows,
}: {
  summary: string;
  columns: string[];
  rows: { key: string; cells: string[] }[];
}) {
  return (
    <details>
      <summary>{summary}</summary>
      <table>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              {row.cells.map((cell, i) => (
                <td key={columns[i]}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** One chart.js chart, rebuilt when its data changes and destroyed on unmount. */
function ChartCanvas({
  id,
  label,
  config,
}: {
  id: string;
  label: string;
  config: ChartConfiguration<'scatter' | 'bar'>;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // The config object is new on every render; its data, serialised, says when to redraw.
  const key = JSON.stringify(config.data);
  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn when the data (key) changes
  useEffect(() => {
    if (!canvas.current) return;
    // Axis text and grid lines in the page's own muted colours, readable in either scheme.
    const style = getComputedStyle(canvas.current);
    Chart.defaults.color = style.getPropertyValue('--pico-muted-color').trim() || '#666';
    Chart.defaults.borderColor =
      style.getPropertyValue('--pico-muted-border-color').trim() || '#ddd';
    const chart = new Chart(canvas.current, {
      ...config,
      options: { ...config.options, maintainAspectRatio: false, animation: false },
    } as ChartConfiguration);
    return () => chart.destroy();
  }, [key]);
  return (
    <div className="chart-box">
      <canvas id={id} ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
