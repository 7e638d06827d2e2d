import type { ConnectionView, EstimateView, SessionView } from '../../../src/api/contract.ts';
import { describeWait } from '../../../src/core/progress.ts';
import { weatherDaysText } from '../../../src/core/weather-days.ts';
import { formatCount, formatLocalTime, formatRoughDuration, formatRuns } from '../format.ts';
import { isTerminal, type Transport } from '../use-sync-session.ts';

const PHASE_LABELS: Record<string, string> = {
  authenticating: 'Checking your Strava access',
  fetching: 'Fetching your runs from Strava',
  enriching: 'Adding weather and places',
  finalizing: 'Finishing up',
};

const STATUS_LABELS: Record<SessionView['status'], string> = {
  queued: 'Waiting to start',
  running: 'Running',
  rate_limited: 'Paused for a rate limit',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const TRANSPORT_LABELS: Record<Transport, string> = {
  realtime: 'live',
  sse: 'live',
  poll: 'checking every few seconds',
};

/**
 * The Sync button with what a sync will cost beforehand, and the running sync's progress with
 * its Cancel button. Only one sync runs at a time, so this card shows one or the other.
 */
export function SyncCard({
  connection,
  session,
  lastCompleted,
  transport,
  estimate,
  busy,
  onStart,
  onCancel,
}: {
  connection: ConnectionView['status'] | null;
  session: SessionView | null;
  /** The newest sync that completed, which the runner's data is as fresh as. */
  lastCompleted: SessionView | null;
  transport: Transport | null;
  /** What a sync will cost, or why that is not known right now. */
  estimate: EstimateView | string | null;
  busy: boolean;
  onStart: () => void;
  onCancel: () => void;
}) {
  const active = session !== null && !isTerminal(session);
  const connected = connection === 'connected';
  return (
    <article aria-labelledby="sync-heading">
      <h2 id="sync-heading">Sync</h2>
      {active ? (
        <SyncProgress
          session={session}
          transport={transport}
          estimate={estimate}
          busy={busy}
          onCancel={onCancel}
        />
      ) : (
        <>
          {typeof estimate === 'string' && (
            <p id="estimate-summary" className="hint">
              {estimate}
            </p>
          )}
          {estimate && typeof estimate !== 'string' && <EstimateSummary estimate={estimate} />}
          <LastSync latest={session} lastCompleted={lastCompleted} />
          <button
            type="button"
            aria-busy={busy}
            disabled={busy || !connected}
            aria-describedby={estimate ? 'estimate-summary' : undefined}
            onClick={onStart}
          >
            Sync now
          </button>
          {connection === 'not_connected' && <p className="hint">Connect Strava first.</p>}
          {connection === 'revoked' && <p className="hint">Reconnect Strava first.</p>}
        </>
      )}
    </article>
  );
}

function EstimateSummary({ estimate }: { estimate: EstimateView }) {
  const { activities, strava } = estimate;
  const toFetch = Math.max(0, activities.expected - activities.stored);
  const weatherDays = weatherDaysOf(estimate);
  return (
    <p id="estimate-summary" className="estimate">
      {toFetch > 0
        ? `About ${formatRuns(toFetch)} to bring in: `
        : `${formatRuns(activities.stored)} stored; checking for new ones takes `}
      {formatCount(strava.calls)} Strava {strava.calls === 1 ? 'call' : 'calls'},{' '}
      {formatCount(estimate.weather.lookups)} runs to look up (
      {formatCount(estimate.weather.calls + estimate.places.calls)} weather and place calls, the
      rest from the cache), {formatRoughDuration(estimate.durationMs / 1000)}.
      {weatherDays && <span className="weather-days"> {weatherDays}.</span>}
      {activities.note && <small className="estimate-note"> {activities.note}</small>}
    </p>
  );
}

/** When a daily weather quota spreads the history over days: how many today, and by when the rest. */
function weatherDaysOf(estimate: EstimateView | string | null): string | undefined {
  return estimate && typeof estimate !== 'string' ? weatherDaysText(estimate.weather) : undefined;
}

/**
 * The newest completed sync (what the runs are as fresh as) and, when the latest one ended
 * otherwise, that one too: a cancelled or failed sync never hides the last good one.
 */
function LastSync({
  latest,
  lastCompleted,
}: {
  latest: SessionView | null;
  lastCompleted: SessionView | null;
}) {
  const at = (session: SessionView) =>
    session.finishedAt ? ` at ${formatLocalTime(session.finishedAt)}` : '';
  const unfinished = latest && latest.status !== 'completed' ? latest : null;
  return (
    <>
      {lastCompleted && (
        <p className="last-sync" data-status="completed">
          Last completed sync{at(lastCompleted)}: {syncOutcome(lastCompleted)}.
        </p>
      )}
      {unfinished && (
        <p className="last-sync" data-status={unfinished.status}>
          The latest sync{at(unfinished)}: <strong>{STATUS_LABELS[unfinished.status]}</strong>,{' '}
          {formatRuns(unfinished.counts.stored)} stored before it stopped.
        </p>
      )}
    </>
  );
}

/** What a completed sync brought: one that found nothing new or changed says so. */
function syncOutcome(session: SessionView): string {
  const { changed } = session.counts;
  return changed === 0 ? 'no new runs' : `${formatRuns(changed)} new or changed`;
}

/**
 * "Waiting for Strava’s rate-limit window until 12:45" (its windows are a quarter of an hour
 * long: the time says more); "Waiting for OpenStreetMap’s limit (Nominatim), about 40 s" (a
 * provider's minute: the time left says more).
 */
function waitingText(waitingFor: string, until: string): string {
  const what = describeWait(waitingFor, '’');
  if (waitingFor === 'strava') return `Waiting for ${what} until ${formatLocalTime(until)}`;
  return `Waiting for ${what}, ${formatRoughDuration((Date.parse(until) - Date.now()) / 1000)}`;
}

function SyncProgress({
  session,
  transport,
  estimate,
  busy,
  onCancel,
}: {
  session: SessionView;
  transport: Transport | null;
  /** The estimate made before it started: what it said of weather over several days. */
  estimate: EstimateView | string | null;
  busy: boolean;
  onCancel: () => void;
}) {
  const { counts, progress } = session;
  const percent = progress.percent;
  const phase = session.phase ? PHASE_LABELS[session.phase] : STATUS_LABELS[session.status];
  const weatherDays = weatherDaysOf(estimate);
  return (
    <div className="progress" data-session-id={session.id} data-status={session.status}>
      <p>
        <strong className="phase">{phase}</strong>
        {percent !== null && <span className="percent">{Math.round(percent)}%</span>}
      </p>
      {/* Without a value the bar is indeterminate: an incremental sync has no total to measure. */}
      <progress
        aria-label="Sync progress"
        {...(percent !== null ? { value: percent, max: 100 } : {})}
      />
      {progress.waitingUntil && progress.waitingFor && (
        <p className="waiting" data-waiting-for={progress.waitingFor}>
          {waitingText(progress.waitingFor, progress.waitingUntil)}
        </p>
      )}
      {weatherDays && <p className="hint weather-days">{weatherDays}.</p>}
      <dl className="counts">
        <div>
          <dt>Listed</dt>
          <dd data-count="listed">{formatCount(counts.listed)}</dd>
        </div>
        <div>
          <dt>Runs stored</dt>
          <dd data-count="stored">{formatCount(counts.stored)}</dd>
        </div>
        <div>
          <dt>Weather added</dt>
          <dd data-count="enriched">{formatCount(counts.enriched)}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd data-count="skipped">{formatCount(counts.skipped)}</dd>
        </div>
      </dl>
      <p className="meta">
        {progress.etaSeconds !== null && progress.etaSeconds > 0
          ? `Time left: ${formatRoughDuration(progress.etaSeconds)}. `
          : ''}
        {transport && <span className="transport">Updates: {TRANSPORT_LABELS[transport]}.</span>}
      </p>
      <button
        type="button"
        className="secondary"
        aria-busy={busy}
        disabled={busy || session.cancelRequested}
        onClick={onCancel}
      >
        {session.cancelRequested ? 'Cancelling…' : 'Cancel sync'}
      </button>
    </div>
  );
}
