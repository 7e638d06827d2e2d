import { cronTicks, parseCron } from '../core/cron.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import type { JobQueue, QueueName } from './job-queue.ts';
import { reapSessions } from './session-reaper.ts';
import { SCHEDULED_QUEUES, type SyncSchedules } from './sync-schedules.ts';

/**
 * How often the Netlify scheduled function runs (`weather-enricher`, cron every 10 minutes). A
 * schedule that fires more often than this is sent once a tick.
 */
export const TICK_MS = 10 * 60_000;

/** The minutes one tick answers for: `(afterMs, upToMs]`. */
export interface TickWindow {
  afterMs: number;
  upToMs: number;
}

/**
 * The window of the tick Netlify invokes now. Netlify sends the time of the NEXT run; the one
 * before it is this run's nominal time, so consecutive ticks cover consecutive windows, with no
 * gap and no overlap however late or early each invocation starts. Without it (a manual
 * invocation), the window ends at the last tick boundary.
 */
export function tickWindow(nextRun: string | undefined, nowMs: number): TickWindow {
  const next = nextRun === undefined ? Number.NaN : Date.parse(nextRun);
  const upToMs = Number.isFinite(next) ? next - TICK_MS : Math.floor(nowMs / TICK_MS) * TICK_MS;
  return { afterMs: upToMs - TICK_MS, upToMs };
}

export interface TickResult {
  /** The scheduled queues whose cron fired in the window: a job sent, or one already waiting. */
  sent: QueueName[];
  /** Sessions nothing carried forward, queued again (see reapSessions). */
  reaped: number;
}

/**
 * What pg-boss's cron, maintenance and the reaper's timer do in a long-running worker, done once
 * for a host without one (Netlify): pg-boss's maintenance (expire jobs of workers that died,
 * archive and drop old ones), a reap, and a job for each schedule whose cron fired in `window`,
 * to the same queues and for the same handlers. A tick that runs twice for one window sends a
 * job that is still queued only once (those queues keep one queued job).
 */
export async function runScheduledTick(
  db: Database,
  queue: JobQueue,
  o: { schedules: SyncSchedules; window: TickWindow; nowMs: number; logger: Logger },
): Promise<TickResult> {
  await queue.boss.maintain();
  const reaped = await reapSessions(db, queue, o.nowMs);
  for (const session of reaped) o.logger.info(session, 'reaped an unattended session');
  const sent: QueueName[] = [];
  for (const [key, name] of Object.entries(SCHEDULED_QUEUES)) {
    const cron = o.schedules[key as keyof SyncSchedules];
    if (!cron) continue;
    const ticks = cronTicks(parseCron(cron), o.window.afterMs, o.window.upToMs);
    if (ticks.length === 0) continue;
    const jobId = await queue.boss.send(name, {
      tick: new Date(ticks.at(-1) as number).toISOString(),
    });
    o.logger.info({ queue: name, cron, jobId }, 'scheduled job sent');
    sent.push(name);
  }
  return { sent, reaped: reaped.length };
}
