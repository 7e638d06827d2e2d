import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ACTIVITY_SORTS, type ActivityView } from '../../../src/api/contract.ts';
import type { ApiClient } from '../../../src/client/api-client.ts';
import {
  formatDistance,
  formatElevation,
  formatPace,
  formatTemperature,
  type UnitSystem,
} from '../../../src/core/units.ts';
import {
  formatDuration,
  formatHeartRate,
  formatPlace,
  formatRunDate,
  formatRuns,
  formatRunTime,
} from '../format.ts';
import { type Problem, problemFromError } from '../problem.ts';
import { navigate } from '../route.ts';
import { useUnits } from '../units.tsx';
import { placeNote, RunNameCell, weatherNote } from './activity-list.tsx';
import { ErrorPanel } from './error-panel.tsx';
import { WeatherIcon } from './weather-icon.tsx';

/** Runs a page; the next page comes as the end of the list scrolls into view (or on the button). */
const PAGE_SIZE = 50;
/** How long typing pauses before the search is sent. */
const SEARCH_PAUSE_MS = 300;

/** The filters the address holds, named as `GET /api/activities` names them. */
const FILTERS = [
  'q',
  'from',
  'to',
  'sportType',
  'minDistanceM',
  'maxDistanceM',
  'weather',
  'indoor',
  'sort',
] as const;
type Filter = (typeof FILTERS)[number];

/** Distance bands, in metres: to 5 km, 5–10 km, 10 km to a half marathon, to a marathon, beyond. */
const BANDS: [min: number | null, max: number | null][] = [
  [null, 5000],
  [5000, 10_000],
  [10_000, 21_097.5],
  [21_097.5, 42_195],
  [42_195, null],
];

/** A filter's choices: the value in the address (empty: the filter is off) and its label. */
type Choices = readonly (readonly [value: string, label: string])[];

const KINDS: Choices = [
  ['', 'All runs'],
  ['Run', 'Road runs'],
  ['TrailRun', 'Trail runs'],
  ['VirtualRun', 'Virtual runs'],
];
const WEATHER_CHOICES: Choices = [
  ['', 'With or without'],
  ['with', 'With weather'],
  ['without', 'Without weather'],
];
const INDOOR_CHOICES: Choices = [
  ['', 'Indoors and out'],
  ['true', 'Indoors only'],
  ['false', 'Outdoors only'],
];
const SORT_LABELS: Record<(typeof ACTIVITY_SORTS)[number], string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  longest: 'Longest first',
  shortest: 'Shortest first',
};
/** Newest first is the list's own order: the address leaves it out. */
const SORTS: Choices = ACTIVITY_SORTS.map((sort) => [
  sort === 'newest' ? '' : sort,
  SORT_LABELS[sort],
]);

/**
 * Every run, findable: search by name or place, filters, sort, and pages of 50 that follow each
 * other as the list is scrolled. The address holds the filters (`/runs?q=park&sort=longest`), so a
 * filtered list can be bookmarked, shared and come back to with Back.
 */
export function RunsView({ client, search }: { client: ApiClient; search: URLSearchParams }) {
  const units = useUnits();
  const query = Object.fromEntries(
    FILTERS.flatMap((name) => {
      const value = search.get(name);
      // `sort=newest` is the list's own order, which the address leaves out.
      return value && !(name === 'sort' && value === 'newest') ? [[name, value]] : [];
    }),
  ) as Partial<Record<Filter, string>>;
  const key = new URLSearchParams(query as Record<string, string>).toString();
  const { runs, more, loading, problem, loadMore, retry, dismiss } = useRunPages(client, key);

  const set = (changes: Partial<Record<Filter, string | null>>) => {
    const next = new URLSearchParams(key);
    for (const [name, value] of Object.entries(changes))
      if (value) next.set(name, value);
      else next.delete(name);
    const text = next.toString();
    navigate(text ? `/runs?${text}` : '/runs', { replace: true });
  };

  return (
    <section aria-labelledby="runs-view-heading">
      <h1 id="runs-view-heading">Runs</h1>
      <Filters query={query} units={units} onChange={set} />
      {problem && (
        <ErrorPanel problem={problem} busy={loading} onAction={retry} onDismiss={dismiss} />
      )}
      <p className="muted" role="status" aria-live="polite">
        {runs === null
          ? 'Loading your runs…'
          : countLine(
              runs.length,
              more,
              Object.keys(query).some((name) => name !== 'sort'),
            )}
      </p>
      {runs && runs.length > 0 && <RunsTable runs={runs} units={units} />}
      {more && <EndOfList loading={loading} onReached={loadMore} />}
    </section>
  );
}

/** The pages of runs for one set of filters; a new set starts again from the first page. */
function useRunPages(client: ApiClient, key: string) {
  const [runs, setRuns] = useState<ActivityView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  // The filters the newest request was for: an answer for older ones is dropped.
  const current = useRef(key);

  const fetchPage = useCallback(
    async (after: string | null) => {
      const asked = key;
      setLoading(true);
      setProblem(null);
      try {
        const page = await client.activities({
          ...Object.fromEntries(new URLSearchParams(asked)),
          limit: PAGE_SIZE,
          ...(after ? { cursor: after } : {}),
        });
        if (current.current !== asked) return;
        setRuns((shown) => (after ? [...(shown ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (error) {
        if (current.current === asked)
          setProblem(problemFromError('Your runs could not load', error));
      } finally {
        if (current.current === asked) setLoading(false);
      }
    },
    [client, key],
  );

  useEffect(() => {
    current.current = key;
    setRuns(null);
    setCursor(null);
    void fetchPage(null);
  }, [key, fetchPage]);

  const loadMore = useCallback(() => {
    if (cursor && !loading) void fetchPage(cursor);
  }, [cursor, loading, fetchPage]);
  const retry = useCallback(() => void fetchPage(cursor), [cursor, fetchPage]);
  const dismiss = useCallback(() => setProblem(null), []);
  return { runs, more: cursor !== null, loading, problem, loadMore, retry, dismiss };
}

function Filters({
  query,
  units,
  onChange,
}: {
  query: Partial<Record<Filter, string>>;
  units: UnitSystem;
  onChange: (changes: Partial<Record<Filter, string | null>>) => void;
}) {
  const [text, setText] = useState(query.q ?? '');
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => setText(query.q ?? ''), [query.q]);
  useEffect(() => () => clearTimeout(pending.current), []);
  const typed = (value: string) => {
    setText(value);
    clearTimeout(pending.current);
    pending.current = setTimeout(() => onChange({ q: value.trim() || null }), SEARCH_PAUSE_MS);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    clearTimeout(pending.current);
    onChange({ q: text.trim() || null });
  };
  const band = `${query.minDistanceM ?? ''}-${query.maxDistanceM ?? ''}`;
  return (
    <search aria-label="Find runs">
      <form className="filters" onSubmit={submit}>
        <label className="search">
          Search
          <input
            type="search"
            name="q"
            placeholder="Name or place"
            value={text}
            maxLength={100}
            onChange={(event) => typed(event.target.value)}
          />
        </label>
        <label>
          From
          <input
            type="date"
            name="from"
            value={query.from ?? ''}
            onChange={(event) => onChange({ from: event.target.value || null })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            name="to"
            value={query.to ?? ''}
            onChange={(event) => onChange({ to: event.target.value || null })}
          />
        </label>
        <FilterSelect
          label="Kind"
          filter="sportType"
          query={query}
          onChange={onChange}
          options={KINDS}
        />
        <label>
          Distance
          <select
            name="distance"
            value={band}
            onChange={(event) => {
              const [min, max] = event.target.value.split('-');
              onChange({ minDistanceM: min || null, maxDistanceM: max || null });
            }}
          >
            <option value="-">Any distance</option>
            {BANDS.map(([min, max]) => (
              <option key={`${min}-${max}`} value={`${min ?? ''}-${max ?? ''}`}>
                {bandLabel(units, min, max)}
              </option>
            ))}
          </select>
        </label>
        <FilterSelect
          label="Weather"
          filter="weather"
          query={query}
          onChange={onChange}
          options={WEATHER_CHOICES}
        />
        <FilterSelect
          label="Indoors"
          filter="indoor"
          query={query}
          onChange={onChange}
          options={INDOOR_CHOICES}
        />
        <FilterSelect
          label="Sort"
          filter="sort"
          query={query}
          onChange={onChange}
          options={SORTS}
        />
      </form>
    </search>
  );
}

function FilterSelect({
  label,
  filter,
  query,
  onChange,
  options,
}: {
  label: string;
  filter: Filter;
  query: Partial<Record<Filter, string>>;
  onChange: (changes: Partial<Record<Filter, string | null>>) => void;
  options: Choices;
}) {
  return (
    <label>
      {label}
      <select
        name={filter}
        value={query[filter] ?? ''}
        onChange={(event) => onChange({ [filter]: event.target.value || null })}
      >
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "812 runs.", "50 runs so far.", "12 runs match.", "50 runs match so far." */
function countLine(count: number, more: boolean, filtered: boolean): string {
  return `${formatRuns(count)}${filtered ? ' match' : ''}${more ? ' so far' : ''}.`;
}

function bandLabel(units: UnitSystem, min: number | null, max: number | null): string {
  const write = (metres: number) => formatDistance(units, metres, 1);
  if (min === null && max !== null) return `Under ${write(max)}`;
  if (max === null && min !== null) return `${write(min)} and more`;
  return `${write(min ?? 0)} to ${write(max ?? 0)}`;
}

function RunsTable({ runs, units }: { runs: ActivityView[]; units: UnitSystem }) {
  return (
    <table className="runs runs-view">
      <caption className="visually-hidden">Your runs: {runs.length} shown</caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Start</th>
          <th scope="col">Name</th>
          <th scope="col">Distance</th>
          <th scope="col">Pace</th>
          <th scope="col">Time</th>
          <th scope="col">Heart rate</th>
          <th scope="col">Elev. gain</th>
          <th scope="col">Place</th>
          <th scope="col">Weather</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <RunRow key={run.id} run={run} units={units} />
        ))}
      </tbody>
    </table>
  );
}

function RunRow({ run, units }: { run: ActivityView; units: UnitSystem }) {
  const place = formatPlace(run.place);
  const { weather } = run;
  return (
    <tr data-activity-id={run.id}>
      <td data-label="Date">{formatRunDate(run.startDateLocal)}</td>
      <td data-label="Start">{formatRunTime(run.startDateLocal)}</td>
      <RunNameCell run={run} />
      <td data-label="Distance">{formatDistance(units, run.distanceM)}</td>
      <td data-label="Pace">{formatPace(units, run.distanceM, run.movingTimeS)}</td>
      <td data-label="Time">{formatDuration(run.movingTimeS)}</td>
      <td data-label="Heart rate">{formatHeartRate(run.averageHeartrateBpm)}</td>
      <td data-label="Elev. gain">{formatElevation(units, run.elevationGainM)}</td>
      <td data-label="Place" className="place">
        {place || <span className="muted">{placeNote(run.place.status, 'not looked up yet')}</span>}
      </td>
      <td data-label="Weather" className="weather">
        <WeatherIcon icon={weather.icon} description={weather.description} />
        {weather.status === 'enriched' ? (
          <span className="temperature">{formatTemperature(units, weather.temperatureC)}</span>
        ) : (
          <span className="muted">{weatherNote(weather.status, 'not looked up yet')}</span>
        )}
      </td>
    </tr>
  );
}

/**
 * The end of the list: when it scrolls into view the next page is read, so the list goes on as
 * far as the runner scrolls. The button does the same for the keyboard and for browsers that
 * never report the end as visible.
 */
function EndOfList({ loading, onReached }: { loading: boolean; onReached: () => void }) {
  const end = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const target = end.current;
    if (!target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onReached();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [onReached]);
  return (
    <button
      ref={end}
      type="button"
      className="secondary outline load-more"
      aria-busy={loading}
      disabled={loading}
      onClick={onReached}
    >
      More runs
    </button>
  );
}
