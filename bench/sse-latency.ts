import { randomUUID } from 'node:crypto';
import { systemClock } from '../src/core/clock.ts';
import { createApp } from '../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../src/http/jwt.ts';
import { type RunningServer, startServer } from '../src/http/node-server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createProgressHub } from '../src/progress/progress-hub.ts';
import type { Database } from '../src/store/database.ts';
import { sessionStore } from '../src/store/session-store.ts';
import { openBenchDatabase } from './bench-database.ts';
import type { BenchSize } from './bench-results.ts';
import { print, table } from './report-format.ts';
import { withScratchPostgres } from './scratch-postgres.ts';
import { insertBenchUser } from './sync-history.ts';

/**
 * Live progress latency: from a committed UPDATE of a sync session to the browser reading the
 * event off its Server-Sent Events stream. The real path end to end: the broadcast trigger's
 * NOTIFY, the progress hub's one LISTEN, the stream re-reading the session, HTTP on loopback.
 * The "browser" is fetch in the same process.
 *
 * A stream sends at most one event per 500 ms (MIN_UPDATE_GAP_MS in src/http/routes/syncs.ts),
 * so the headline figures time the first change after a quiet period: nothing changed on that
 * stream for QUIET_MS. One scenario times the other case, a change inside that gap.
 */
const JWT_SECRET = 'a-bench-jwt-secret-of-at-least-32-characters';
/** Longer than the stream's 500 ms gap between events, so the stream is waiting again. */
const QUIET_MS = 700;
/** Random extra quiet, so changes do not fall in step with the streams' 2 s polls. */
const JITTER_MS = 300;
/** How soon after an event the "inside the gap" change is made. */
const INSIDE_GAP_MS = 100;
const EVENT_TIMEOUT_MS = 10_000;

export interface LatencyFigures {
  database: string;
  scenario: string;
  streams: number;
  changes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

interface Scenario {
  label: string;
  streams: number;
  changesPerStream: number;
  /** Streams change one at a time (false) or each on its own, all at once (true). */
  concurrent: boolean;
  insideGap?: boolean;
}

const SCENARIOS: Scenario[] = [
  { label: 'one change at a time', streams: 8, changesPerStream: 25, concurrent: false },
  { label: '10 users at once', streams: 10, changesPerStream: 20, concurrent: true },
  { label: '50 users at once', streams: 50, changesPerStream: 4, concurrent: true },
  { label: '200 users at once', streams: 200, changesPerStream: 4, concurrent: true },
  {
    label: `change ${INSIDE_GAP_MS} ms after an event (inside the gap)`,
    streams: 10,
    changesPerStream: 5,
    concurrent: true,
    insideGap: true,
  },
];

/** Every scenario on PGlite in memory, and on Postgres when `BENCH_POSTGRES_URL` names a server. */
export async function benchSseLatency(
  size: BenchSize,
  postgresUrl?: string,
): Promise<LatencyFigures[]> {
  // The quick size makes a quarter of the changes: the same scenarios, wider percentiles.
  const scenarios = SCENARIOS.map((scenario) =>
    size.full
      ? scenario
      : { ...scenario, changesPerStream: Math.ceil(scenario.changesPerStream / 4) },
  );
  const figures: LatencyFigures[] = [];
  const pglite = await openBenchDatabase();
  try {
    figures.push(...(await measureOn('PGlite (memory)', pglite.db, scenarios)));
  } finally {
    await pglite.close();
  }
  if (postgresUrl)
    figures.push(
      ...(await withScratchPostgres(postgresUrl, ({ label, db }) =>
        measureOn(label, db, scenarios),
      )),
    );
  return figures;
}

async function measureOn(
  database: string,
  db: Database,
  scenarios: Scenario[],
): Promise<LatencyFigures[]> {
  const hub = createProgressHub(db, createLogger('silent'));
  const server = await startServer(
    createApp({
      db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      progressHub: hub,
    }),
    { port: 0 },
  );
  try {
    const figures: LatencyFigures[] = [];
    for (const scenario of scenarios) {
      const delays = await runScenario(db, server, scenario);
      figures.push({
        database,
        scenario: scenario.label,
        streams: scenario.streams,
        ...summary(delays),
      });
    }
    return figures;
  } finally {
    await server.close();
    await hub.close();
  }
}

async function runScenario(
  db: Database,
  server: RunningServer,
  scenario: Scenario,
): Promise<number[]> {
  const watchers = await Promise.all(
    Array.from({ length: scenario.streams }, () => watchNewSession(db, server.url)),
  );
  const delays: number[] = [];
  try {
    const measure = async (watcher: Watcher) => {
      await waitQuiet(watcher);
      if (scenario.insideGap) {
        await change(db, watcher);
        await watcher.next();
        await sleep(INSIDE_GAP_MS);
      }
      const committedAt = await change(db, watcher);
      delays.push((await watcher.next()) - committedAt);
    };
    if (scenario.concurrent) {
      await Promise.all(
        watchers.map(async (watcher) => {
          for (let i = 0; i < scenario.changesPerStream; i++) await measure(watcher);
        }),
      );
    } else {
      for (let i = 0; i < scenario.changesPerStream; i++)
        for (const watcher of watchers) await measure(watcher);
    }
  } finally {
    // A terminal state ends each stream from the server's side.
    await Promise.all(watchers.map((watcher) => watcher.finish()));
  }
  return delays;
}

interface Watcher {
  sessionId: string;
  /** How many changes were made, so each change is told apart by its count. */
  changes: number;
  lastEventAtMs: number;
  /** Resolves with when the event of the latest change arrived (performance.now()). */
  next(): Promise<number>;
  finish(): Promise<void>;
}

/** A new user with a queued session and its event stream open, snapshot received. */
async function watchNewSession(db: Database, origin: string): Promise<Watcher> {
  const userId = randomUUID();
  await insertBenchUser(db, userId, `${userId}@bench.stridesync.local`);
  const { session } = await sessionStore.start(db, {
    userId,
    kind: 'backfill',
    correlationId: 'bench-sse',
  });
  const response = await fetch(`${origin}/api/syncs/${session.id}/events`, {
    headers: { authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}` },
  });
  if (response.status !== 200) throw new Error(`stream refused: ${response.status}`);

  const arrivals = new Map<number, number>();
  let onArrival: () => void = () => {};
  const watcher: Watcher = {
    sessionId: session.id,
    changes: 0,
    lastEventAtMs: performance.now(),
    async next() {
      const deadline = performance.now() + EVENT_TIMEOUT_MS;
      for (;;) {
        const at = arrivals.get(watcher.changes);
        if (at !== undefined) return at;
        if (performance.now() > deadline) throw new Error(`no event for change ${watcher.changes}`);
        await new Promise<void>((resolve) => {
          onArrival = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    async finish() {
      await db.query(
        `update sync_sessions set status = 'completed', finished_at = now() where id = $1`,
        [session.id],
      );
      await ended;
    },
  };
  const ended = readStream(response, (stored) => {
    const at = performance.now();
    arrivals.set(stored, at);
    watcher.lastEventAtMs = at;
    onArrival();
  });
  await watcher.next();
  return watcher;
}

/** Calls `onEvent` with each event's stored count as the event is read. */
async function readStream(response: Response, onEvent: (stored: number) => void): Promise<void> {
  if (!response.body) throw new Error('the event stream has no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let split = buffer.indexOf('\n\n'); split >= 0; split = buffer.indexOf('\n\n')) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, split))?.[1];
      buffer = buffer.slice(split + 2);
      if (data) onEvent((JSON.parse(data) as { counts: { stored: number } }).counts.stored);
    }
  }
}

/** Commits one change the way a slice does (counters up), and says when the commit returned. */
async function change(db: Database, watcher: Watcher): Promise<number> {
  watcher.changes += 1;
  await db.query(
    `update sync_sessions set status = 'running', activities_stored = $2 where id = $1`,
    [watcher.sessionId, watcher.changes],
  );
  return performance.now();
}

async function waitQuiet(watcher: Watcher): Promise<void> {
  const quietFor = QUIET_MS + Math.random() * JITTER_MS;
  await sleep(Math.max(0, watcher.lastEventAtMs + quietFor - performance.now()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentiles. */
function summary(delays: number[]): Pick<LatencyFigures, 'changes' | 'p50Ms' | 'p95Ms' | 'maxMs'> {
  const sorted = [...delays].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return {
    changes: sorted.length,
    p50Ms: rank(0.5),
    p95Ms: rank(0.95),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

export function printSseLatency(figures: LatencyFigures[]): void {
  print(
    '',
    '## Live progress: committed UPDATE → SSE event read by the client',
    '',
    `Each change after ${QUIET_MS}–${QUIET_MS + JITTER_MS} ms without one on that stream (it sends at most one event per 500 ms).`,
    '',
  );
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  table(
    ['database', 'scenario', 'streams open', 'changes', 'p50', 'p95', 'max'],
    figures.map((f) => [
      f.database,
      f.scenario,
      String(f.streams),
      String(f.changes),
      ms(f.p50Ms),
      ms(f.p95Ms),
      ms(f.maxMs),
    ]),
  );
}
