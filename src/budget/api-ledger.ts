import type { Clock } from '../core/clock.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { Database, Queryable } from '../store/database.ts';
import {
  type BudgetLine,
  type ObservedUsage,
  type RateWindow,
  type WindowSpan,
  windowAt,
} from './rate-windows.ts';

/**
 * The shared API budget. Limits belong to the API application (Strava) or the key (weather), not
 * to a process, so every process, function and machine reserves from the same `api_budget` rows
 * before it calls, and corrects them with what the API reports after.
 *
 * Arithmetic: a reservation adds `cost` to every line it names, all or nothing, only if each
 * line stays within its limit; so the sum of reservations in a window never exceeds the limit,
 * however many callers race (the rows are locked, always in bucket and window order, so racers
 * queue rather than deadlock). The API counts a call when it arrives, a moment after it was
 * reserved: a call reserved within ARRIVAL_MARGIN_MS of a window's end counts in the next
 * window too, so a call that crosses the boundary on its way never finds that window spent. Reported usage only ever raises a row (`greatest`), since the API also
 * counts calls we did not make (other users of the same application) and calls that failed.
 */
export interface ApiLedger {
  /**
   * Reserves `cost` on every line, and on each share's own line; throws RateLimitedError with
   * the moment all lines allow it again.
   */
  reserve(
    provider: string,
    lines: readonly BudgetLine[],
    cost?: number,
    shares?: readonly BudgetShare[],
  ): Promise<void>;
  /** Corrects the ledger with usage the API reported at `atMs` (default now). */
  observe(provider: string, usage: readonly ObservedUsage[], atMs?: number): Promise<void>;
  /** The current windows of `provider`, for estimates and the dashboard. */
  snapshot(provider: string): Promise<LedgerLine[]>;
  /**
   * The pace shared by every process: hands out `provider`'s next free slot (epoch ms, never
   * before now) and moves the pace `intervalMs` past it, in one statement, so racing callers
   * in any process get successive slots.
   */
  takeSlot(provider: string, intervalMs: number): Promise<number>;
  /** No slot of `provider` is handed out before `atMs` (a refusal). */
  holdPace(provider: string, atMs: number): Promise<void>;
  /** A request of `provider` was answered now: the latest answer, for `lastAnswer`. */
  paceAnswered(provider: string): Promise<void>;
  /** When `provider` last answered any process (epoch ms), if ever. */
  lastAnswer(provider: string): Promise<number | undefined>;
}

/**
 * A lower ceiling for one kind of work: besides the lines every call spends, that work counts on
 * its own line (`bucket`, in the window of the line `of`), whose limit is `share` of `of`'s
 * current limit (the one the API last reported). Other callers reserve as before and never
 * touch it; they only find that this work left them the rest of the window.
 */
export interface BudgetShare {
  bucket: string;
  of: string;
  share: number;
}

/**
 * Webhook events: Strava's pushes are unsigned, so whatever a flood of them (forged or real)
 * makes us read must leave users' syncs most of the read budget: at most a fifth of each read
 * window.
 */
export const STRAVA_EVENT_SHARES: readonly BudgetShare[] = [
  { bucket: 'events:15min', of: 'read:15min', share: 0.2 },
  { bucket: 'events:daily', of: 'read:daily', share: 0.2 },
];

export interface LedgerLine {
  bucket: string;
  windowStart: Date;
  windowEnd: Date;
  limit: number;
  used: number;
}

/**
 * How long a call may take from its reservation to its arrival at the API (the lock wait, a busy
 * event loop, the network). An API counts a call in the window it arrives in; a call reserved in
 * the last second of a minute and arriving in the next was a 429 when that minute's calls had
 * all been handed out already (seen once with OpenWeatherMap's 60 a minute).
 */
export const ARRIVAL_MARGIN_MS = 2000;

/** Past windows stay this long (for inspection), then the next new window removes them. */
const PAST_WINDOWS_KEPT_MS = 2 * 24 * 3600 * 1000;

export function createApiLedger(db: Database, clock: Clock): ApiLedger {
  return {
    async reserve(provider, lines, cost = 1, shares = []) {
      const at = clock.now();
      const keyed = [...lines, ...shares.map((share) => shareLine(lines, share))]
        .flatMap((line) => arrivalWindows(line.window, at).map((span) => ({ ...line, ...span })))
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.start.getTime() - b.start.getTime());
      const exhausted = await db.withTransaction(async (tx) => {
        const params = [
          provider,
          keyed.map((l) => l.bucket),
          keyed.map((l) => l.start.toISOString()),
          keyed.map((l) => l.end.toISOString()),
          keyed.map((l) => l.limit),
        ];
        const opened = await tx.query(
          `insert into api_budget (provider, bucket, window_start, window_end, limit_count)
           select $1, b, s, e, l from unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[]) as t(b, s, e, l)
           on conflict (provider, bucket, window_start) do nothing`,
          params,
        );
        // A new window opened: the ledger keeps itself small by dropping long-past windows.
        if (opened.rowCount > 0) {
          await tx.query('delete from api_budget where provider = $1 and window_end < $2', [
            provider,
            new Date(at - PAST_WINDOWS_KEPT_MS).toISOString(),
          ]);
        }
        const { rows } = await tx.query<{
          bucket: string;
          window_start: Date;
          window_end: Date;
          limit_count: number;
          used_count: number;
        }>(
          `select bucket, window_start, window_end, limit_count, used_count from api_budget
           where provider = $1 and (bucket, window_start) in (select * from unnest($2::text[], $3::timestamptz[]))
           order by bucket, window_start for update`,
          params.slice(0, 3),
        );
        for (const share of shares) await followLimit(tx, provider, rows, share);
        const full = rows.filter((r) => r.used_count + cost > r.limit_count);
        if (full.length > 0) return full;
        await tx.query(
          `update api_budget set used_count = used_count + $4, updated_at = now()
           where provider = $1 and (bucket, window_start) in (select * from unnest($2::text[], $3::timestamptz[]))`,
          [...params.slice(0, 3), cost],
        );
        return [];
      });
      if (exhausted.length > 0) {
        const resumeAt = new Date(Math.max(...exhausted.map((r) => r.window_end.getTime())));
        throw new RateLimitedError({
          code: 'rate_limited',
          userMessage: `The ${displayName(provider)} request budget is spent until ${resumeAt.toISOString()}.`,
          hint: 'Nothing is lost: the sync waits and resumes on its own when the window resets.',
          detail: `${provider} budget exhausted: ${JSON.stringify(exhausted)}`,
          resumeAt,
        });
      }
    },

    async observe(provider, usage, atMs = clock.now()) {
      if (usage.length === 0) return;
      const keyed = usage.map((u) => ({ ...u, ...windowAt(u.window, atMs) }));
      await db.query(
        `insert into api_budget (provider, bucket, window_start, window_end, limit_count, used_count)
         select $1, b, s, e, l, u
         from unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[]) as t(b, s, e, l, u)
         on conflict (provider, bucket, window_start) do update
           set used_count = greatest(api_budget.used_count, excluded.used_count),
               limit_count = excluded.limit_count,
               updated_at = now()`,
        [
          provider,
          keyed.map((k) => k.bucket),
          keyed.map((k) => k.start.toISOString()),
          keyed.map((k) => k.end.toISOString()),
          keyed.map((k) => k.limit),
          keyed.map((k) => k.used),
        ],
      );
    },

    async snapshot(provider) {
      const { rows } = await db.query<{
        bucket: string;
        window_start: Date;
        window_end: Date;
        limit_count: number;
        used_count: number;
      }>(
        `select bucket, window_start, window_end, limit_count, used_count from api_budget
         where provider = $1 and window_start <= $2 and window_end > $2 order by bucket`,
        [provider, new Date(clock.now()).toISOString()],
      );
      return rows.map((r) => ({
        bucket: r.bucket,
        windowStart: r.window_start,
        windowEnd: r.window_end,
        limit: r.limit_count,
        used: r.used_count,
      }));
    },

    async takeSlot(provider, intervalMs) {
      const { rows } = await db.query<{ next_slot_at: Date }>(
        `insert into api_pace as p (provider, next_slot_at)
         values ($1, $2::timestamptz + $3 * interval '1 millisecond')
         on conflict (provider) do update
           set next_slot_at = greatest(p.next_slot_at, $2::timestamptz) + $3 * interval '1 millisecond',
               updated_at = now()
         returning next_slot_at`,
        [provider, new Date(clock.now()).toISOString(), intervalMs],
      );
      const next = rows[0]?.next_slot_at;
      if (!next) throw new Error(`api_pace returned no slot for ${provider}`);
      return next.getTime() - intervalMs;
    },

    async holdPace(provider, atMs) {
      await db.query(
        `insert into api_pace as p (provider, next_slot_at) values ($1, $2)
         on conflict (provider) do update
           set next_slot_at = greatest(p.next_slot_at, excluded.next_slot_at), updated_at = now()`,
        [provider, new Date(atMs).toISOString()],
      );
    },

    async paceAnswered(provider) {
      const now = new Date(clock.now()).toISOString();
      await db.query(
        `insert into api_pace as p (provider, next_slot_at, answered_at) values ($1, $2, $2)
         on conflict (provider) do update
           set answered_at = greatest(p.answered_at, excluded.answered_at), updated_at = now()`,
        [provider, now],
      );
    },

    async lastAnswer(provider) {
      const { rows } = await db.query<{ answered_at: Date | null }>(
        'select answered_at from api_pace where provider = $1',
        [provider],
      );
      return rows[0]?.answered_at?.getTime() ?? undefined;
    },
  };
}

/** The windows a call reserved at `atMs` may arrive in: its own, and the next near the end. */
function arrivalWindows(window: RateWindow, atMs: number): WindowSpan[] {
  const now = windowAt(window, atMs);
  const arriving = windowAt(window, atMs + ARRIVAL_MARGIN_MS);
  return arriving.start.getTime() === now.start.getTime() ? [now] : [now, arriving];
}

/** A share's own line, in the window of the line it is a share of. */
function shareLine(lines: readonly BudgetLine[], share: BudgetShare): BudgetLine {
  const of = lines.find((line) => line.bucket === share.of);
  if (!of) throw new Error(`budget share ${share.bucket} of ${share.of}: no such line reserved`);
  return { bucket: share.bucket, window: of.window, limit: Math.floor(of.limit * share.share) };
}

/**
 * A share's limit follows the limit of its line in the same window, as the API last reported
 * it (rows locked).
 */
async function followLimit(
  tx: Queryable,
  provider: string,
  rows: { bucket: string; window_start: Date; limit_count: number }[],
  share: BudgetShare,
) {
  for (const own of rows.filter((row) => row.bucket === share.bucket)) {
    const of = rows.find(
      (row) => row.bucket === share.of && row.window_start.getTime() === own.window_start.getTime(),
    );
    if (!of) continue;
    const limit = Math.floor(of.limit_count * share.share);
    if (own.limit_count === limit) continue;
    own.limit_count = limit;
    await tx.query(
      `update api_budget set limit_count = $4, updated_at = now()
       where provider = $1 and bucket = $2 and window_start = $3`,
      [provider, share.bucket, own.window_start.toISOString(), limit],
    );
  }
}

function displayName(provider: string): string {
  return provider === 'strava' ? 'Strava' : provider;
}
