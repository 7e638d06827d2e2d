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
import { formatCount, formatMonth, formatPace, formatTemperature } from '../format.ts';

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

function PaceChart({ points }: { points: ActivityStatsView['paceVsTemperature'] }) {
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
    Math.min(...temperatures),
  )} to ${formatTemperature(Math.max(...temperatures))}.`;
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
                data: points.map((p) => ({ x: p.temperatureC, y: p.paceSPerKm / 60 })),
                backgroundColor: `${ACCENT}99`,
                pointRadius: 3,
              },
            ],
          },
          options: {
            scales: {
              x: { title: { display: true, text: 'Temperature (°C)' } },
              y: {
                reverse: true,
                title: { display: true, text: 'Pace (min/km, faster up)' },
                ticks: { callback: (value) => formatPace(Number(value) * 60).replace(' /km', '') },
              },
            },
            plugins: {
              tooltip: {
                callbacks: {
                  label: (item) =>
                    `${formatTemperature(item.parsed.x)}: ${formatPace((item.parsed.y ?? 0) * 60)}`,
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
          cells: [p.date, formatTemperature(p.temperatureC), formatPace(p.paceSPerKm)],
        }))}
      />
    </figure>
  );
}

function MonthChart({ months }: { months: ActivityStatsView['months'] }) {
  const totalKm = months.reduce((sum, m) => sum + m.distanceM, 0) / 1000;
  const summary =
    months.length === 0
      ? 'Distance per month: no runs yet.'
      : `Distance per month: ${formatCount(Math.round(totalKm))} km over ${months.length} months, ${formatMonth(
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
                label: 'Distance (km)',
                data: months.map((m) => Math.round(m.distanceM / 100) / 10),
                backgroundColor: ACCENT,
              },
            ],
          },
          options: {
            scales: {
              y: { beginAtZero: true, title: { display: true, text: 'Distance (km)' } },
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
          cells: [formatMonth(m.month), String(m.runs), `${(m.distanceM / 1000).toFixed(1)} km`],
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
