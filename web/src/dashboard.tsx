import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { SessionView } from '../../src/api/contract.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import type { RealtimeSource } from '../../src/client/realtime.ts';
import { unitSystemOfPreference } from '../../src/core/units.ts';
import { ActivityList, type Shown } from './components/activity-list.tsx';
import { ConnectionCard } from './components/connection-card.tsx';
import { ErrorPanel } from './components/error-panel.tsx';
import { Insights } from './components/insights.tsx';
import { SyncCard } from './components/sync-card.tsx';
import { formatRuns } from './format.ts';
import { type Problem, problemFromError, problemFromSession } from './problem.ts';
import { connectProblem, takeStravaAuthorization } from './strava-authorization.ts';
import { useLearnStravaUnits } from './units.tsx';
import { useConnection } from './use-connection.ts';
import { useHistory } from './use-history.ts';
import { isTerminal, useSessionOutcome, useSyncSession } from './use-sync-session.ts';

/** Chart.js is the largest part of the bundle: fetched while the rest of the page already works. */
const Charts = lazy(() => import('./components/charts.tsx').then((m) => ({ default: m.Charts })));

const PHASE_ANNOUNCEMENTS: Record<string, string> = {
  authenticating: 'Sync started: checking your Strava access.',
  fetching: 'Fetching your runs from Strava.',
  enriching: 'Runs fetched; adding weather and places.',
  finalizing: 'Finishing the sync.',
};

const REVOKED: Problem = {
  title: 'Strava access was revoked',
  message:
    'Reconnect Strava: stridesync’s access to your Strava account was revoked or has expired.',
  hint: 'Your stored runs are kept; syncing resumes once you reconnect.',
  action: 'reconnect',
};

/** How many recent syncs are read to find the newest completed one. */
const RECENT_SYNCS = 10;

/**
 * A sync the runner's data is as fresh as: a completed whole-history or periodic sync (a webhook
 * event brings one run, not the history up to date).
 */
const isLastGood = (s: SessionView) => s.status === 'completed' && s.kind !== 'event';

/** A problem on screen and what its Retry button does again. */
interface ShownProblem {
  problem: Problem;
  retry?: () => void;
}

type Busy = 'connect' | 'disconnect' | 'start' | 'cancel' | 'more';

/**
 * The signed-in page: Strava connection, sync and progress, problems with their way out, charts
 * and runs. Owns the data and the actions; the components only show it and report clicks.
 */
export function Dashboard({ client, realtime }: { client: ApiClient; realtime?: RealtimeSource }) {
  const strava = useConnection(client);
  const history = useHistory(client);
  const [shown, setShown] = useState<ShownProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<Busy | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const columns = useShownColumns(client);

  const show = useCallback((problem: Problem, retry?: () => void) => {
    setShown(retry ? { problem, retry } : { problem });
    setAnnouncement(`${problem.title}. ${problem.message}`);
  }, []);

  const sync = useSyncSession(client, realtime, (error) =>
    show(problemFromError('Live progress stopped', error), () => void refollow()),
  );
  const { session, follow } = sync;
  const [lastCompleted, setLastCompleted] = useState<SessionView | null>(null);

  /** Everything from the server again; a sync still going is followed at once (resume). */
  const reloadAll = useCallback(async () => {
    const [, , recent] = await Promise.all([
      strava.reload(),
      history.reload(),
      client.listSyncs(RECENT_SYNCS),
    ]);
    follow(recent[0] ?? null);
    setLastCompleted(recent.find(isLastGood) ?? null);
  }, [client, follow, strava.reload, history.reload]);

  const load = useCallback(async () => {
    try {
      await reloadAll();
    } catch (error) {
      show(problemFromError('Your dashboard could not load', error), () => void load());
    }
  }, [reloadAll, show]);

  const refollow = async () => {
    if (!session) return;
    try {
      follow(await client.getSync(session.id));
    } catch (error) {
      show(problemFromError('Live progress stopped', error), () => void refollow());
    }
  };

  useEffect(() => {
    // Back from Strava's authorize page: the API completes the connection for this runner only.
    const authorization = takeStravaAuthorization();
    void (async () => {
      const connected = authorization
        ? await client.completeConnect(authorization).catch((error: unknown) => {
            show(connectProblem(error));
            return null;
          })
        : null;
      await load();
      // Said once the page shows the connection, with Sync now there to take.
      if (!connected) return;
      setNotice(
        connected.missingScopes.includes('activity:read_all')
          ? 'Strava is connected, without your private activities.'
          : 'Strava is connected. Sync to bring in your runs.',
      );
      setAnnouncement('Strava is connected.');
    })();
  }, [client, load, show]);

  // The runner's Strava units, once the connection says them (nothing more is fetched for them).
  const learnUnits = useLearnStravaUnits();
  const preference = strava.connection?.athlete?.measurementPreference;
  useEffect(() => {
    if (preference !== undefined) learnUnits(unitSystemOfPreference(preference));
  }, [preference, learnUnits]);

  // A revoked connection is a problem with one cure; say so where problems are shown.
  const revoked = strava.connection?.status === 'revoked';
  useEffect(() => {
    if (revoked)
      setShown((current) =>
        current?.problem.action === 'reconnect' ? current : { problem: REVOKED },
      );
  }, [revoked]);

  useSessionOutcome(session, {
    onPhase: (phase) => {
      setAnnouncement(PHASE_ANNOUNCEMENTS[phase] ?? '');
      // Runs show as soon as they are stored. Best effort: the refresh at the end reports failures.
      if (phase === 'enriching' || phase === 'finalizing') void history.reload().catch(() => {});
    },
    onFinished: (finished) => {
      if (isLastGood(finished)) setLastCompleted(finished);
      if (finished.status === 'completed')
        setAnnouncement(`Sync completed: ${formatRuns(finished.counts.stored)} stored.`);
      else if (finished.status === 'cancelled') setAnnouncement('Sync cancelled.');
      else show(problemFromSession(finished), () => void startSync());
      void Promise.all([strava.reload(), history.reload()]).catch((error) =>
        show(problemFromError('Your dashboard could not refresh', error), () => void load()),
      );
    },
  });

  /** Runs one action at a time; a failure becomes the problem on screen, with its retry. */
  async function act(kind: Busy, title: string, action: () => Promise<void>, retry?: () => void) {
    setBusy(kind);
    try {
      await action();
    } catch (error) {
      show(problemFromError(title, error), retry);
    } finally {
      setBusy(null);
    }
  }

  const connect = () =>
    act('connect', 'Strava could not be connected', async () => {
      window.location.assign(await client.connectUrl());
    });

  const disconnect = (purge: boolean) =>
    act('disconnect', 'Strava could not be disconnected', async () => {
      const result = await client.disconnect({ purge });
      setShown(null);
      setNotice(
        purge
          ? `Strava is disconnected and ${formatRuns(result.purgedActivities)} deleted.`
          : 'Strava is disconnected. Your runs are kept.',
      );
      setAnnouncement('Strava is disconnected.');
      await reloadAll();
    });

  const startSync = () =>
    act(
      'start',
      'The sync could not start',
      async () => {
        setShown(null);
        setNotice(null);
        const started = await client.startSync();
        follow(started.session);
        setAnnouncement(
          started.created ? 'Sync started.' : 'A sync is already running; showing it.',
        );
      },
      () => void startSync(),
    );

  const cancel = () =>
    act('cancel', 'The sync could not be cancelled', async () => {
      if (!session) return;
      await client.cancelSync(session.id);
      setAnnouncement('Cancelling the sync…');
    });

  const loadMore = () =>
    act('more', 'More runs could not be loaded', history.loadMore, () => void loadMore());

  const onProblemAction = (action: Problem['action']) => {
    if (action === 'reconnect' || action === 'connect') void connect();
    if (action !== 'retry') return;
    setShown(null);
    shown?.retry?.();
  };

  return (
    <>
      <p className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
      {notice && (
        <article className="notice" aria-label="Notice">
          <p>{notice}</p>
          <button
            type="button"
            className="secondary outline"
            aria-label="Dismiss notice"
            onClick={() => setNotice(null)}
          >
            ×
          </button>
        </article>
      )}
      {shown && (
        <ErrorPanel
          key={`${shown.problem.title}:${shown.problem.message}`}
          problem={shown.problem}
          busy={busy !== null}
          onAction={onProblemAction}
          onDismiss={() => setShown(null)}
        />
      )}
      <div className="grid cards">
        <ConnectionCard
          connection={strava.connection}
          busy={busy === 'connect' || busy === 'disconnect'}
          offerReconnect={shown?.problem.action !== 'reconnect'}
          onConnect={connect}
          onDisconnect={disconnect}
        />
        <SyncCard
          connection={strava.connection?.status ?? null}
          session={session}
          lastCompleted={lastCompleted}
          transport={sync.transport}
          estimate={strava.estimate}
          busy={busy === 'start' || busy === 'cancel'}
          onStart={startSync}
          onCancel={cancel}
        />
      </div>
      <Suspense fallback={<p aria-busy="true">Loading the charts…</p>}>
        <Charts stats={history.stats} />
      </Suspense>
      <Insights stats={history.stats} />
      <ActivityList
        runs={history.runs}
        loading={busy === 'more'}
        hasMore={history.hasMore}
        syncing={session !== null && !isTerminal(session)}
        onLoadMore={loadMore}
        shown={columns}
      />
    </>
  );
}

/**
 * The weather and place columns the runner's feature flags leave on (`GET /api/me`). Shown until
 * the answer comes; a failed read keeps them (the runs' own statuses still say what is missing).
 */
function useShownColumns(client: ApiClient): Shown {
  const [shown, setShown] = useState<Shown>({ weather: true, place: true });
  useEffect(() => {
    let live = true;
    client.me().then(
      ({ features }) => {
        if (live)
          setShown({
            weather: features['weather-enrichment'] !== false,
            place: features['place-enrichment'] !== false,
          });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);
  return shown;
}
