import type { ConnectionView, EstimateView, SessionView } from '../../../src/api/contract.ts';
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
  rate_limited: 'Paused for Strava’s rate limit',
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
  transport,
  estimate,
  busy,
  onStart,
  onCancel,
}: {
  connection: ConnectionView['status'] | null;
  session: SessionView | null;
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
        <SyncProgress session={session} transport={transport} busy={busy} onCancel={onCancel} />
      ) : (
        <>
          {typeof estimate === 'string' && (
            <p id="estimate-summary" className="hint">
              {estimate}
            </p>
          )}
          {estimate && typeof estimate !== 'string' && <EstimateSummary estimate={estimate} />}
          {session && <LastSync session={session} />}
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
  return (
    <p id="estimate-summary" className="estimate">
      {toFetch > 0
        ? `About ${formatRuns(toFetch)} to bring in: `
        : `${formatRuns(activities.stored)} stored; checking for new ones takes `}
      {formatCount(strava.calls)} Strava {strava.calls === 1 ? 'call' : 'calls'},{' '}
      {formatCount(estimate.weather.calls + estimate.places.calls)} weather and place lookups,{' '}
      {formatRoughDuration(estimate.durationMs / 1000)}.
    </p>
  );
}

function LastSync({ session }: { session: SessionView }) {
  const when = session.finishedAt ? ` at ${formatLocalTime(session.finishedAt)}` : '';
  return (
    <p className="last-sync" data-status={session.status}>
      Last sync: <strong>{STATUS_LABELS[session.status]}</strong>
      {when}, {formatRuns(session.counts.stored)} stored.
    </p>
  );
}

function SyncProgress({
  session,
  transport,
  busy,
  onCancel,
}: {
  session: SessionView;
  transport: Transport | null;
  busy: boolean;
  onCancel: () => void;
}) {
  const { counts, progress } = session;
  const percent = progress.percent;
  const phase = session.phase ? PHASE_LABELS[session.phase] : STATUS_LABELS[session.status];
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
      {progress.waitingUntil && (
        <p className="waiting">
          Waiting for Strava’s rate-limit window until {formatLocalTime(progress.waitingUntil)}
        </p>
      )}
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
