import { hostname } from 'node:os';
import { z } from 'zod';
import { loadConfig } from '../config/config.ts';
import { type AppError, ConfigError, IllegalTransitionError } from '../core/errors.ts';
import { STARTABLE_SYNC_KINDS, type StartableSyncKind } from '../core/glossary.ts';
import { isTerminalStatus, type SyncSessionRow } from '../core/sync-session.ts';
import { type WeatherSchedule, weatherDaysText } from '../core/weather-days.ts';
import { createBackfillEstimator } from '../estimate/backfill-estimate.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { startSync } from '../queue/start-sync.ts';
import { latestEvent, sessionStore } from '../store/session-store.ts';
import { defaultKind, requireConnection } from '../sync/start-rules.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { openRuntime, type Runtime, runtimeEstimateSettings } from '../wiring/node/open-runtime.ts';
import { syncDepsOf } from '../wiring/sync-deps-of.ts';
import { CLI_CORRELATION_ID } from './cli-correlation.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';
import {
  findLocalServer,
  type LocalServer,
  requireServerUser,
  throughServer,
} from './local-server.ts';
import {
  type DisplayedSession,
  formatDuration,
  summaryLine,
  viewAsDisplayed,
} from './progress-line.ts';
import { createProgressPrinter, type ProgressPrinter } from './progress-printer.ts';
import { readSession, workSession } from './work-session.ts';

/** How often the progress is read from the session row and shown. */
const DISPLAY_MS = 500;
/** The conventional exit code of a program stopped with Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

export const syncCommand: CliCommand = {
  name: 'sync',
  summary: 'Sync one user now, in the foreground, with a progress bar and ETA',
  usage: `Usage: stridesync sync --user <id> [--kind backfill|incremental|reconcile]

Starts a sync for the user as the dashboard does (POST /api/syncs), or joins the one already
active, and works it in this process with the runner 'stridesync worker' uses, showing its
progress until it ends. If another worker is working it already, this follows its progress.
Ctrl-C cancels at the next slice boundary (what was stored stays stored, and a cancelled
backfill resumes where it stopped); Ctrl-C again quits at once.
Exit codes: 0 completed, 1 failed, 2 wrong arguments, 130 cancelled with Ctrl-C.
Uses the database the environment names (run 'stridesync migrate' first). While
'stridesync start' holds the embedded database, this asks that server to start the sync
(POST /api/syncs, for its one user) and follows the worker there. In demo mode (no Strava
credentials) Strava is the simulator 'stridesync start' serves: run that first, and this beside
it (on the embedded database, or on the same DATABASE_URL and PORT).

Options:
  --user <id>    the user to sync (their user id, a UUID)
  --kind <kind>  backfill (the whole history), incremental (what is new since the newest stored
                 run) or reconcile (the last weeks again, for edits and deletions); default:
                 backfill until one has completed, then incremental`,
  options: { user: { type: 'string' }, kind: { type: 'string' } },
  async run(values) {
    const { userId, kind } = syncArguments(values);
    const config = loadConfig();
    const server = await findLocalServer(config);
    if (server) return syncThroughServer(server, userId, kind);
    if (config.mode === 'demo' && config.database.kind === 'pglite') {
      throw new ConfigError({
        code: 'sync_needs_shared_database',
        userMessage:
          "In demo mode Strava is the simulator 'stridesync start' serves, and it is not running on this embedded database.",
        hint: 'Run `npm start` first, then this command beside it (it goes through that server); or point DATABASE_URL at Postgres, run `npm start`, and run this command beside it.',
      });
    }
    const runtime = await openRuntime(config, { migrate: false });
    try {
      return await syncInForeground(runtime, userId, kind);
    } finally {
      await runtime.close();
    }
  },
};

function syncArguments(values: CliValues): {
  userId: string;
  kind: StartableSyncKind | undefined;
} {
  const { user, kind } = values;
  if (typeof user !== 'string') throw new CliUsageError('--user <id> is required');
  if (!z.guid().safeParse(user).success) {
    throw new CliUsageError(`--user must be a user id, a UUID (got '${user}')`);
  }
  if (kind !== undefined && !STARTABLE_SYNC_KINDS.some((k) => k === kind)) {
    throw new CliUsageError(
      `--kind must be one of ${STARTABLE_SYNC_KINDS.join(', ')} (got '${String(kind)}')`,
    );
  }
  return { userId: user, kind: kind as StartableSyncKind | undefined };
}

async function syncInForeground(
  runtime: Runtime,
  userId: string,
  kind: StartableSyncKind | undefined,
): Promise<number> {
  const { db, clock } = runtime;
  if (runtime.simulators) await requireSimulatedStrava(runtime.strava.oauthUrl);
  await requireConnection(db, userId);
  const started = await startSync(db, runtime.queue, {
    userId,
    kind: kind ?? (await defaultKind(db, userId)),
    correlationId: CLI_CORRELATION_ID,
  });
  const { session: startedRow } = started;
  process.stdout.write(
    `${startedLine({ ...startedRow, correlationId: startedRow.correlation_id }, started.created, userId, kind)}\n`,
  );

  const printer = createProgressPrinter(process.stdout);
  // The runner's logs go to stderr (stdout carries the progress and the summary), each on a
  // line of its own above the progress line.
  const logger = createLogger(runtime.config.logLevel, {
    write: (line: string) => printer.note(line.trimEnd(), process.stderr),
  });
  const settings = runtimeEstimateSettings(runtime);
  if (settings) {
    const estimate = createBackfillEstimator({ db, clock, settings, strava: runtime.strava });
    await writeWeatherDays(async () => {
      const { weather } = (await estimate(userId, logger)).enrichment;
      const { finishesAtMs } = weather;
      return {
        ...weather,
        finishesAt: finishesAtMs === undefined ? null : new Date(finishesAtMs).toISOString(),
      };
    });
  }
  const deps: SyncDeps = { ...syncDepsOf(runtime), logger };
  const sessionId = started.session.id;
  const { leaseTtlMs } = runtime.config.worker;
  const display = startDisplay(deps, sessionId, printer);
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) {
      printer.finish();
      process.stderr.write(
        `Quit without waiting. The sync is still asked to stop: it ends as cancelled when it is next taken up (its lease runs out within ${formatDuration(leaseTtlMs / 1000)}); run the same command to resume.\n`,
      );
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    printer.note(
      'Cancelling: the sync stops at the next slice boundary (Ctrl-C again to quit at once)…',
    );
    requestCancel(deps, sessionId, logger);
  };
  process.on('SIGINT', onInterrupt);
  let ended: SyncSessionRow;
  try {
    ended = await workSession(deps, sessionId, {
      owner: `cli:${hostname()}:${process.pid}`,
      leaseTtlMs,
      onFollowing: () =>
        printer.note('Another worker is working this sync; following its progress.'),
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    await display.stop();
  }
  printer.update(ended, clock.now());
  printer.finish();
  process.stdout.write(`${summaryLine(ended, clock.now())}\n`);
  // Why enrichment stopped before every run had its weather, if it did: the summary says why.
  const deferred =
    ended.status === 'completed' ? await latestEvent(db, sessionId, 'enrich:deferred') : undefined;
  if (deferred) {
    process.stdout.write(
      `Weather and places were put off: ${deferred.message} The runs wait for the weather backfill ('stridesync worker' runs it).\n`,
    );
  }
  return exitCode(ended, ended, interrupted);
}

/** `sync --user` beside the local server holding the embedded database: its worker works it. */
async function syncThroughServer(
  server: LocalServer,
  userId: string,
  kind: StartableSyncKind | undefined,
): Promise<number> {
  requireServerUser(server, userId);
  if (!server.worksSyncs) {
    throw new ConfigError({
      code: 'local_server_works_no_syncs',
      userMessage: `The stridesync server at ${server.url} (pid ${server.pid}) holds the embedded database but works no syncs ('stridesync serve').`,
      hint: "Stop it and run 'stridesync start' (the API and a worker), then this command beside it.",
    });
  }
  const { client } = server;
  const { session, created } = await throughServer(() => client.startSync(kind));
  process.stdout.write(`${startedLine(session, created, userId, kind)}\n`);
  await writeWeatherDays(async () => (await throughServer(() => client.estimate())).weather);
  const printer = createProgressPrinter(process.stdout);
  printer.note(
    `The stridesync server at ${server.url} (pid ${server.pid}) works this sync; following its progress.`,
  );
  let interrupted = false;
  let stopped = false;
  let wake = () => {};
  const onInterrupt = () => {
    if (interrupted) {
      printer.finish();
      process.stderr.write(
        'Quit without waiting. The sync is still asked to stop: the server cancels it at its next slice boundary; run the same command to resume.\n',
      );
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    printer.note(
      'Cancelling: the sync stops at the next slice boundary (Ctrl-C again to quit at once)…',
    );
    throughServer(() => client.cancelSync(session.id)).catch((error: unknown) => {
      // The session ended just before: there is nothing left to cancel.
      if ((error as AppError).code === 'illegal_session_transition') return;
      printer.note(
        `Could not ask the server to cancel: ${(error as Error).message}`,
        process.stderr,
      );
    });
    wake();
  };
  process.on('SIGINT', onInterrupt);
  let ended = session;
  try {
    // Polls the server, as the direct path polls the row: one terminal needs no stream.
    while (!isTerminalStatus(ended.status) && !stopped) {
      printer.update(viewAsDisplayed(ended), Date.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DISPLAY_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      ended = await throughServer(() => client.getSync(session.id));
    }
  } finally {
    stopped = true;
    process.off('SIGINT', onInterrupt);
  }
  const shown = viewAsDisplayed(ended);
  printer.update(shown, Date.now());
  printer.finish();
  process.stdout.write(`${summaryLine(shown, Date.now())}\n`);
  if (ended.status === 'completed') {
    const timeline = await throughServer(() => client.syncTimeline(session.id));
    const deferred = timeline.findLast((event) => event.type === 'enrich:deferred');
    if (deferred) {
      process.stdout.write(
        `Weather and places were put off: ${String(deferred.payload.message)} The runs wait for the weather backfill (the server's worker runs it).\n`,
      );
    }
  }
  return exitCode(shown, { id: ended.id, correlation_id: ended.correlationId }, interrupted);
}

/**
 * When a daily weather quota spreads the history over days, says so before the work starts:
 * "Weather: 412 runs get weather today; the rest by Tue 8 Dec." The estimate is a nicety: when
 * it cannot be made, the sync goes on and says why there is no such line.
 */
async function writeWeatherDays(schedule: () => Promise<WeatherSchedule>): Promise<void> {
  try {
    const text = weatherDaysText(await schedule());
    if (text) process.stdout.write(`Weather: ${text}.\n`);
  } catch (error) {
    process.stderr.write(
      `No weather schedule for this sync (the estimate failed: ${(error as Error).message}); the sync goes on.\n`,
    );
  }
}

function startedLine(
  session: { id: string; kind: string; correlationId: string | null },
  created: boolean,
  userId: string,
  asked: StartableSyncKind | undefined,
) {
  const ids = `session ${session.id}, correlation id ${session.correlationId}`;
  if (created) return `Started ${article(session.kind)} sync for user ${userId} (${ids}).`;
  const other =
    asked && asked !== session.kind
      ? ` A user has one sync at a time: run this again for ${article(asked)} once it has ended.`
      : '';
  return `Joined the ${session.kind} sync already active for user ${userId} (${ids}).${other}`;
}

const article = (kind: string) => `${kind === 'incremental' ? 'an' : 'a'} ${kind}`;

/** Says what the ended session means for the shell: 0, 1, or 130 after Ctrl-C. */
function exitCode(
  session: DisplayedSession,
  ids: { id: string; correlation_id: string | null },
  interrupted: boolean,
): number {
  if (session.status === 'completed') return 0;
  if (session.status === 'cancelled') {
    process.stderr.write(
      interrupted
        ? 'Cancelled; run the same command to resume.\n'
        : 'This sync was cancelled (the dashboard, the API or an earlier Ctrl-C); run the same command to resume.\n',
    );
    return interrupted ? EXIT_INTERRUPTED : 1;
  }
  process.stderr.write(
    `stridesync sync: ${session.error_message ?? 'The sync failed.'}\n` +
      `${session.error_hint ?? `'stridesync inspect ${ids.id}' shows where it stopped.`}\n` +
      `(correlation id ${ids.correlation_id})\n`,
  );
  return 1;
}

/** A lost cancel request is logged; Ctrl-C again still quits. */
function requestCancel(deps: SyncDeps, sessionId: string, logger: Logger) {
  sessionStore.requestCancel(deps.db, sessionId, deps.clock.now()).catch((error: unknown) => {
    // The session ended just before: there is nothing left to cancel.
    if (error instanceof IllegalTransitionError) return;
    logger.error({ err: error, sessionId }, 'could not request the cancel');
  });
}

/**
 * Polls the session row, simple and enough for one terminal: the runner in this process and any
 * worker elsewhere write their progress there.
 */
function startDisplay(deps: SyncDeps, sessionId: string, printer: ProgressPrinter) {
  let stopped = false;
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      try {
        printer.update(await readSession(deps, sessionId), deps.clock.now());
      } catch (error) {
        // The runner meets the same fault and reports it; the display skips a frame.
        deps.logger.warn({ err: error, sessionId }, 'could not read the progress');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DISPLAY_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}

/**
 * In demo mode the Strava the clients talk to is the simulator the `start` server serves (the
 * connection's tokens live there); without it every call would fail and be retried for half an
 * hour, so say at once what to run.
 */
async function requireSimulatedStrava(oauthUrl: string): Promise<void> {
  try {
    const response = await fetch(`${oauthUrl}/authorize`, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
  } catch (error) {
    throw new ConfigError({
      code: 'simulated_strava_unreachable',
      userMessage: `In demo mode Strava is the simulator 'stridesync start' serves, and nothing answers at ${oauthUrl}.`,
      hint: 'Run `npm start` first (on the same DATABASE_URL and PORT), then this command beside it.',
      cause: error,
    });
  }
}
