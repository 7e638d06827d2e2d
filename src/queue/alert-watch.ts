import { createApiLedger } from '../budget/api-ledger.ts';
import type { Clock } from '../core/clock.ts';
import { TransientError } from '../core/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { opsStore } from '../store/ops-store.ts';
import { assessReadiness } from './readiness.ts';

/**
 * Alerts for installs without Prometheus: every `intervalMs` a worker reads the readiness
 * problems (src/queue/readiness.ts), opens an incident for each new one and resolves those gone,
 * and posts Slack-compatible JSON (`{"text": …}`) to ALERT_WEBHOOK_URL once when an incident
 * opens and once when it resolves, never once per failure. Opening and resolving are guarded in
 * SQL (`alert_incidents`), so of several workers watching, exactly one notifies each change.
 * A notification that fails is logged (`alert_webhook_failed`) and counted, not retried: the
 * incident stays open and the next change is still sent.
 */
export interface AlertSettings {
  webhookUrl: string;
  /** The external APIs this install uses (ledger names). */
  apis: readonly string[];
  /** How often to look; default one minute. */
  intervalMs?: number;
}

export const ALERT_INTERVAL_MS = 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

export interface AlertCheck {
  fired: string[];
  resolved: string[];
}

export async function checkAlerts(
  deps: { db: Database; clock: Clock; logger: Logger },
  settings: AlertSettings,
): Promise<AlertCheck> {
  const { db, clock } = deps;
  const readiness = await assessReadiness({
    db,
    clock,
    ledger: createApiLedger(db, clock),
    apis: settings.apis,
  });
  const at = new Date(clock.now());
  const fired: string[] = [];
  for (const problem of readiness.problems) {
    if (!(await opsStore.openIncident(db, problem.key, problem.reason, at))) continue;
    fired.push(problem.key);
    await notify(deps, settings.webhookUrl, 'firing', `stridesync alert: ${problem.reason}`);
  }
  const gone = await opsStore.resolveIncidentsExcept(
    db,
    readiness.problems.map((p) => p.key),
    at,
  );
  for (const incident of gone) {
    await notify(
      deps,
      settings.webhookUrl,
      'resolved',
      `stridesync resolved: ${incident.key} (open since ${incident.openedAt.toISOString()}). It was: ${incident.summary}`,
    );
  }
  return { fired, resolved: gone.map((i) => i.key) };
}

async function notify(
  deps: { db: Database; logger: Logger },
  url: string,
  state: 'firing' | 'resolved',
  text: string,
): Promise<void> {
  let result: 'sent' | 'failed' = 'sent';
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    deps.logger.info({ state, text }, 'alert sent');
  } catch (cause) {
    result = 'failed';
    const error = new TransientError({
      code: 'alert_webhook_failed',
      userMessage: 'The alert webhook did not take the notification.',
      hint: 'Check ALERT_WEBHOOK_URL and that the receiver is up; the incident stays open.',
      detail: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
    deps.logger.error({ err: error, code: error.code, state, text }, error.userMessage);
  }
  await opsStore.add(deps.db, [
    { name: 'stridesync_alert_notifications_total', labels: { state, result }, value: 1 },
  ]);
}

/** Checks now and every interval, in this process; a check never overlaps the previous one. */
export function startAlertWatch(
  deps: { db: Database; clock: Clock; logger: Logger },
  settings: AlertSettings,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const checkOnce = () => {
    running ??= checkAlerts(deps, settings)
      .then(() => undefined)
      .catch((error: unknown) => deps.logger.error({ err: error }, 'checking alerts failed'))
      .finally(() => {
        running = undefined;
      });
  };
  checkOnce();
  const timer = setInterval(checkOnce, settings.intervalMs ?? ALERT_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
