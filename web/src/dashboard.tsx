import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  ActivityStatsView,
  ActivityView,
  ConnectionView,
  EstimateView,
  SessionView,
} from '../../src/api/contract.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import type { RealtimeSource } from '../../src/client/realtime.ts';
import { ActivityList } from './components/activity-list.tsx';
import { Charts } from './components/charts.tsx';
import { ConnectionCard } from './components/connection-card.tsx';
import { ErrorPanel } from './components/error-panel.tsx';
import { SyncCard } from './components/sync-card.tsx';
import { formatRuns } from './format.ts';
import { type Problem, problemFromError, problemFromSession } from './problem.ts';
import { takeStravaReturn } from './strava-return.ts';
import { isTerminal, useSyncSession } from './use-sync-session.ts';

const PAGE_SIZE = 20;

const PHASE_ANNOUNCEMENTS: Record<string, string> = {
  authenticating: 'Sync started: checking your Strava access.',
  fetching: 'Fetching your runs from Strava.',
  enriching: 'Runs fetched; adding weather and places.',
  finalizing: 'Finishing the sync.',
};

/**
 * The reason the API records when the runner disconnects on purpose (routes/strava-connection.ts).
 * The API reports that as `revoked` too; to the runner it is simply not connected, not a problem.
 */
const USER_DISCONNECT_REASON = 'disconnected by the user';

function asShown(connection: ConnectionView): ConnectionView {
  return connection.status === 'revoked' && connection.revokedReason === USER_DISCONNECT_REASON
    ? { ...connection, status: 'not_connected' }
    : connection;
}

/** A problem on screen and what its Retry button does again. */
interface ShownProblem {
  problem: Problem;
  retry?: () => void;
}

/**
 * The signed-in page: Strava connection, sync and progress, problems with their way out, charts
 * and runs. Owns the data; the components only show it and report clicks.
 */
export function Dashboard({ client, realtime }: { client: ApiClient; realtime?: RealtimeSource }) {
  const [connection, setConnection] = useState<ConnectionView | null>(null);
  const [estimate, setEstimate] = useState<EstimateView | null>(null);
  const [runs, setRuns] = useState<ActivityView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<ActivityStatsView | null>(null);
  const [shown, setShown] = useState<ShownProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<'connect' | 'disconnect' | 'start' | 'cancel' | 'more' | null>(
    null,
  );
  const [announcement, setAnnouncement] = useState('');

  const show = useCallback((problem: Problem, retry?: () => void) => {
    setShown(retry ? { problem, retry } : { problem });
    setAnnouncement(`${problem.title}. ${problem.message}`);
  }, []);

  const sync = useSyncSession(client, realtime, (error) =>
    show(problemFromError('Live progress stopped', error), () => refollow()),
  );
  const { session, follow } = sync;

  const loadConnection = useCallback(async () => {
    const next = asShown(await client.connection());
    setConnection(next);
    if (next.status === 'connected') setEstimate(await client.estimate());
    return next;
  }, [client]);

  const loadHistory = useCallback(async () => {
    const [page, nextStats] = await Promise.all([
      client.activities({ limit: PAGE_SIZE }),
      client.activityStats(),
    ]);
    setRuns(page.items);
    setCursor(page.nextCursor);
    setStats(nextStats);
  }, [client]);

  const loadAll = useCallback(async () => {
    try {
      const [, , recent] = await Promise.all([
        loadConnection(),
        loadHistory(),
        client.listSyncs(1),
      ]);
      // Resume: a sync that is still going (started elsewhere, or before a reload) is followed at once.
      follow(recent[0] ?? null);
    } catch (error) {
      show(problemFromError('Your dashboard could not load', error), () => void loadAll());
    }
  }, [client, follow, loadConnection, loadHistory, show]);

  const refollow = useCallback(async () => {
    if (!session) return;
    try {
      follow(await client.getSync(session.id));
    } catch (error) {
      show(problemFromError('Live progress stopped', error), () => void refollow());
    }
  }, [client, follow, session, show]);

  useEffect(() => {
    const returned = takeStravaReturn();
    if (returned?.kind === 'connected') {
      setNotice(
        returned.missingScope
          ? 'Strava is connected, without your private activities.'
          : 'Strava is connected. Sync to bring in your runs.',
      );
      setAnnouncement('Strava is connected.');
    }
    if (returned?.kind === 'error') show(returned.problem);
    void loadAll();
  }, [loadAll, show]);

  // A revoked connection is a problem with one cure; say so where problems are shown.
  useEffect(() => {
    if (connection?.status !== 'revoked') return;
    setShown((current) =>
      current?.problem.action === 'reconnect'
        ? current
        : {
            problem: {
              title: 'Strava access was revoked',
              message:
                'Reconnect Strava: stridesync’s access to your Strava account was revoked or has expired.',
              hint: 'Your stored runs are kept; syncing resumes once you reconnect.',
              action: 'reconnect',
            },
          },
    );
  }, [connection?.status]);

  useSessionOutcome(session, {
    onPhase: (phase) => {
      setAnnouncement(PHASE_ANNOUNCEMENTS[phase] ?? '');
      // Runs become visible as soon as they are stored, not only at the end.
      if (phase === 'enriching' || phase === 'finalizing') void loadHistory().catch(() => {});
    },
    onFinished: (finished) => {
      if (finished.status === 'completed') {
        setAnnouncement(`Sync completed: ${formatRuns(finished.counts.stored)} stored.`);
      } else if (finished.status === 'cancelled') {
        setAnnouncement('Sync cancelled.');
      } else {
        show(problemFromSession(finished), () => void startSync());
      }
      void Promise.all([loadConnection(), loadHistory()]).catch((error) =>
        show(problemFromError('Your dashboard could not refresh', error), () => void loadAll()),
      );
    },
  });

  async function act(
    kind: NonNullable<typeof busy>,
    title: string,
    action: () => Promise<void>,
    retry?: () => void,
  ) {
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
      setEstimate(null);
      const [, , recent] = await Promise.all([
        loadConnection(),
        loadHistory(),
        client.listSyncs(1),
      ]);
      follow(recent[0] ?? null);
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
    act(
      'more',
      'More runs could not be loaded',
      async () => {
        if (!cursor) return;
        const page = await client.activities({ limit: PAGE_SIZE, cursor });
        setRuns((current) => [...(current ?? []), ...page.items]);
        setCursor(page.nextCursor);
      },
      () => void loadMore(),
    );

  const onProblemAction = (action: Problem['action']) => {
    if (action === 'reconnect' || action === 'connect') void connect();
    else if (action === 'retry') shown?.retry?.();
    if (action === 'retry') setShown(null);
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
          connection={connection}
          busy={busy === 'connect' || busy === 'disconnect'}
          offerReconnect={shown?.problem.action !== 'reconnect'}
          onConnect={connect}
          onDisconnect={disconnect}
        />
        <SyncCard
          connection={connection?.status ?? null}
          session={session}
          transport={sync.transport}
          estimate={estimate}
          busy={busy === 'start' || busy === 'cancel'}
          onStart={startSync}
          onCancel={cancel}
        />
      </div>
      <Charts stats={stats} />
      <ActivityList
        runs={runs}
        loading={busy === 'more'}
        hasMore={cursor !== null}
        onLoadMore={loadMore}
      />
    </>
  );
}

/**
 * Calls back when a followed session enters a new phase, and once when it ends. A session that
 * was already over when the page loaded is history, not news: no callback for it.
 */
function useSessionOutcome(
  session: SessionView | null,
  on: { onPhase: (phase: string) => void; onFinished: (session: SessionView) => void },
) {
  const seen = useRef<{ id: string; phase: string | null; active: boolean } | null>(null);
  const handlers = useRef(on);
  handlers.current = on;
  useEffect(() => {
    if (!session) return;
    const before = seen.current?.id === session.id ? seen.current : null;
    const active = !isTerminal(session);
    seen.current = { id: session.id, phase: session.phase, active };
    if (active && session.phase && session.phase !== before?.phase)
      handlers.current.onPhase(session.phase);
    if (!active && (before?.active ?? false)) handlers.current.onFinished(session);
  }, [session]);
}
