import type { ActivityView } from '../../../src/api/contract.ts';
import {
  formatDistance,
  formatPace,
  formatTemperature,
  formatWindSpeed,
} from '../../../src/core/units.ts';
import { formatDuration, formatPlace, formatRunDate } from '../format.ts';
import { inApp } from '../route.ts';
import { useUnits } from '../units.tsx';
import { WeatherIcon } from './weather-icon.tsx';

/**
 * The runs, newest first, a page at a time ("Load more" appends the next page). A table on wide
 * screens; on a phone each row becomes a card whose cells carry their column name (`data-label`),
 * so nothing scrolls sideways.
 */
export function ActivityList({
  runs,
  loading,
  hasMore,
  syncing,
  onLoadMore,
  shown,
}: {
  runs: ActivityView[] | null;
  loading: boolean;
  hasMore: boolean;
  /** A sync is under way: runs still waiting for weather or a place are being looked up. */
  syncing: boolean;
  onLoadMore: () => void;
  /** The columns the runner's feature flags leave on (`GET /api/me` `features`). */
  shown: Shown;
}) {
  return (
    <section aria-labelledby="runs-heading" aria-busy={runs === null}>
      <h2 id="runs-heading">Runs</h2>
      <p>
        <a href="/runs" onClick={inApp}>
          All runs, with search and filters
        </a>
      </p>
      {runs?.length === 0 && <p>No runs yet. Connect Strava and sync to bring them in.</p>}
      {runs && runs.length > 0 && (
        <table className="runs">
          <caption className="visually-hidden">
            Your runs, newest first: {runs.length} shown
          </caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Name</th>
              <th scope="col">Distance</th>
              <th scope="col">Pace</th>
              <th scope="col">Time</th>
              {shown.place && <th scope="col">Place</th>}
              {shown.weather && (
                <>
                  <th scope="col">Weather</th>
                  <th scope="col">Temp.</th>
                  <th scope="col">Wind</th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow key={run.id} run={run} syncing={syncing} shown={shown} />
            ))}
          </tbody>
        </table>
      )}
      {hasMore && (
        <button
          type="button"
          className="secondary outline load-more"
          aria-busy={loading}
          disabled={loading}
          onClick={onLoadMore}
        >
          Load more runs
        </button>
      )}
    </section>
  );
}

/**
 * Quality flags a runner should see beside the run: its figures are off, so the charts leave it
 * out. (No GPS shows as the place; a long name is only truncated.)
 */
export const FLAG_LABELS: Record<string, string> = {
  impossible_pace: 'pace too fast for a run',
  implausibly_slow: 'pace implausibly slow',
  zero_distance: 'no distance',
  zero_duration: 'no moving time',
  coordinates_out_of_range: 'start position invalid',
};

/** Weather and place columns, hidden when a feature flag turns that lookup off for the runner. */
export interface Shown {
  weather: boolean;
  place: boolean;
}

function RunRow({ run, syncing, shown }: { run: ActivityView; syncing: boolean; shown: Shown }) {
  const { weather } = run;
  const place = formatPlace(run.place);
  const pending = syncing ? 'looking up…' : 'waiting for the next sync';
  const units = useUnits();
  return (
    <tr data-activity-id={run.id}>
      <td data-label="Date">{formatRunDate(run.startDateLocal)}</td>
      <RunNameCell run={run} />
      <td data-label="Distance">{formatDistance(units, run.distanceM)}</td>
      <td data-label="Pace">{formatPace(units, run.distanceM, run.movingTimeS)}</td>
      <td data-label="Time">{formatDuration(run.movingTimeS)}</td>
      {shown.place && (
        <td data-label="Place" className="place">
          {place || <span className="muted">{placeNote(run.place.status, pending)}</span>}
        </td>
      )}
      {shown.weather && (
        <>
          <td data-label="Weather" className="weather">
            <WeatherIcon icon={weather.icon} description={weather.description} />
            {weather.status !== 'enriched' && (
              <span className="muted">{weatherNote(weather.status, pending)}</span>
            )}
          </td>
          <td data-label="Temp.">{formatTemperature(units, weather.temperatureC)}</td>
          <td data-label="Wind">{formatWindSpeed(units, weather.windSpeedMps)}</td>
        </>
      )}
    </tr>
  );
}

/**
 * A run's name linking to its page, with its quality flags. Long names are cut to one line; the
 * whole name shows on hover (title) and on focus.
 */
export function RunNameCell({ run }: { run: ActivityView }) {
  const flags = run.qualityFlags.flatMap((flag) => FLAG_LABELS[flag] ?? []);
  return (
    <th scope="row" data-label="Name" className="run-name">
      <a href={`/runs/${run.id}`} onClick={inApp} title={run.name}>
        {run.name}
      </a>
      {flags.length > 0 && (
        <small className="quality-flags" title="Left out of the charts">
          {flags.join(', ')}
        </small>
      )}
    </th>
  );
}

export function placeNote(status: string, pending: string): string {
  return status === 'pending' ? pending : status === 'not_applicable' ? 'no GPS' : '–';
}

export function weatherNote(status: string, pending: string): string {
  if (status === 'pending') return pending;
  if (status === 'not_applicable') return 'indoors';
  return 'unavailable';
}
