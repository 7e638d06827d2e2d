import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { createApiLedger } from '../../budget/api-ledger.ts';
import { LEDGER_PROVIDER } from '../../budget/provider-limits.ts';
import type { Clock } from '../../core/clock.ts';
import { AuthenticationError } from '../../core/errors.ts';
import { ENRICHMENT_STATUSES, SESSION_STATUSES, SYNC_KINDS } from '../../core/glossary.ts';
import { jobCounts, queueBacklog } from '../../queue/job-counts.ts';
import { QUEUES } from '../../queue/job-queue.ts';
import { assessReadiness, type Readiness } from '../../queue/readiness.ts';
import type { Database } from '../../store/database.ts';
import { metricCounts } from '../../store/metric-counts.ts';
import { type CounterRow, opsStore, renderLabels } from '../../store/ops-store.ts';
import { STRAVA_PROVIDER } from '../../strava/strava-client.ts';
import type { AppEnv } from '../app-env.ts';
import { isLoopbackRequest } from '../loopback.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** pg-boss 10's job states. */
const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
/** Every ledger provider, so a provider with no current window is simply absent, not unknown. */
const LEDGER_PROVIDERS = [STRAVA_PROVIDER, ...Object.values(LEDGER_PROVIDER)];

interface Sample {
  labels?: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type?: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
  /** Samples already rendered (`name{labels} value`), for counters read from the database. */
  lines?: string[];
}

/**
 * What each counter every process adds to in `ops_counters` means. A counter no process has
 * added to yet is absent (Prometheus reads an absent counter as no events).
 */
const COUNTERS: Record<string, { help: string; type: 'counter' | 'histogram' }> = {
  stridesync_external_requests_total: {
    type: 'counter',
    help: 'HTTP attempts to each external API (retries included), by api and status (HTTP status, or "error": no answer).',
  },
  stridesync_external_request_duration_seconds: {
    type: 'histogram',
    help: 'Time each attempt to an external API took until its answer (or error), by api.',
  },
  stridesync_circuit_opened_total: {
    type: 'counter',
    help: 'Times a circuit breaker opened after consecutive failed calls, by api.',
  },
  stridesync_budget_waits_total: {
    type: 'counter',
    help: 'Times work had to wait for a spent rate-limit window (a sync parked, a batch deferred), by provider.',
  },
  stridesync_budget_wait_seconds_total: {
    type: 'counter',
    help: 'Seconds until the spent windows reopened, summed over those waits, by provider.',
  },
  stridesync_cache_lookups_total: {
    type: 'counter',
    help: 'Weather slots and place cells looked up in the shared cache, by kind (weather, place) and result (hit, miss).',
  },
  stridesync_runs_stored_total: {
    type: 'counter',
    help: 'Runs written by syncs, by change (new, updated); unchanged runs are not written.',
  },
  stridesync_runs_enriched_total: {
    type: 'counter',
    help: 'Runs given weather or place, by kind and result (enriched, unavailable, not_applicable).',
  },
  stridesync_provider_config_errors_total: {
    type: 'counter',
    help: "Enrichment passes a provider stopped by refusing the operator's configuration (bad key, wrong URL), by provider and code.",
  },
  stridesync_sync_sessions_finished_total: {
    type: 'counter',
    help: 'Sync sessions that ended, by kind and outcome (completed, completed_with_warning, failed, cancelled).',
  },
  stridesync_sync_session_duration_seconds: {
    type: 'histogram',
    help: 'Time from a session starting to its end (parks and retries included), by kind and outcome.',
  },
  stridesync_webhook_events_total: {
    type: 'counter',
    help: 'Strava webhook events received, by result (accepted, dropped) and reason.',
  },
  stridesync_alert_notifications_total: {
    type: 'counter',
    help: 'Alert webhook notifications, by state (firing, resolved) and result (sent, failed).',
  },
};

/**
 * `GET /api/metrics`: Prometheus text exposition of aggregates only (counts by status, queue
 * sizes, budget use, uptime), never a user id or anything a runner did. Every figure is one
 * `count … group by` or the ledger's current windows, so a scrape costs a few cheap queries.
 * Known label values are always listed, zeros included, so a series never vanishes when its
 * count drops to nothing. With `token` set, a scrape must send `Authorization: Bearer <token>`;
 * without one, the metrics are served to this computer only (a local install's Prometheus), never
 * to a request that reached the server by a public name.
 */
export function metricsRoutes(deps: {
  db: Database;
  clock: Clock;
  token?: string;
  apis?: readonly string[];
}) {
  const ledger = createApiLedger(deps.db, deps.clock);
  return new Hono<AppEnv>().get('/api/metrics', async (c) => {
    if (deps.token) requireToken(c.req.header('authorization'), deps.token);
    else if (!isLoopbackRequest(c.req.url)) throw tokenNotConfigured();
    const families = [
      ...(await sessionFamilies(deps.db)),
      ...(await activityFamilies(deps.db)),
      ...(await queueFamilies(deps.db)),
      ...(await budgetFamilies(ledger)),
      ...readinessFamilies(
        await assessReadiness({ db: deps.db, clock: deps.clock, ledger, apis: deps.apis ?? [] }),
      ),
      ...(await backlogFamilies(deps.db, deps.clock.now())),
      ...counterFamilies(await opsStore.counters(deps.db)),
      {
        name: 'stridesync_process_uptime_seconds',
        help: 'Seconds since this process started.',
        samples: [{ value: Number(process.uptime().toFixed(3)) }],
      },
    ];
    return c.body(render(families), 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  });
}

function tokenNotConfigured(): AuthenticationError {
  return new AuthenticationError({
    code: 'metrics_token_not_configured',
    userMessage: 'Metrics are served to this computer only until a metrics token is set.',
    hint: 'Set METRICS_TOKEN (at least 16 characters) on the server and give it to the scraper.',
  });
}

/** Compares digests, so neither the time taken nor a length check reveals the token. */
function requireToken(header: string | undefined, token: string): void {
  const sent = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  if (sent && timingSafeEqual(digest(sent), digest(token))) return;
  throw new AuthenticationError({
    code: sent ? 'invalid_metrics_token' : 'missing_metrics_token',
    userMessage: sent
      ? 'The metrics token is not the one this server expects.'
      : 'Metrics need the metrics token (Authorization: Bearer <token>).',
    hint: 'Configure the scraper with the metrics token this server was started with.',
  });
}

async function sessionFamilies(db: Database): Promise<Family[]> {
  const rows = await metricCounts.sessions(db);
  const count = (kind: string, status: string) =>
    rows.find((r) => r.kind === kind && r.status === status)?.n ?? 0;
  const statusTotal = (status: string) =>
    rows.filter((r) => r.status === status).reduce((sum, r) => sum + r.n, 0);
  return [
    {
      name: 'stridesync_sync_sessions',
      help: 'Sync sessions by kind and status, since the database was created.',
      samples: SYNC_KINDS.flatMap((kind) =>
        SESSION_STATUSES.map((status) => ({
          labels: { kind, status },
          value: count(kind, status),
        })),
      ),
    },
    {
      name: 'stridesync_sync_sessions_active',
      help: 'Sync sessions queued or running now.',
      samples: [{ value: statusTotal('queued') + statusTotal('running') }],
    },
    {
      name: 'stridesync_sync_sessions_rate_limited',
      help: 'Sync sessions waiting for an API rate-limit window to reset.',
      samples: [{ value: statusTotal('rate_limited') }],
    },
  ];
}

async function activityFamilies(db: Database): Promise<Family[]> {
  const rows = await metricCounts.activities(db);
  const by = (column: 'weather_status' | 'place_status') =>
    ENRICHMENT_STATUSES.map((status) => ({
      labels: { status },
      value: rows.filter((r) => r[column] === status).reduce((sum, r) => sum + r.n, 0),
    }));
  return [
    {
      name: 'stridesync_activities',
      help: 'Stored runs of every user (deleted ones excluded).',
      samples: [{ value: rows.reduce((sum, r) => sum + r.n, 0) }],
    },
    {
      name: 'stridesync_activities_weather',
      help: 'Stored runs by weather enrichment status.',
      samples: by('weather_status'),
    },
    {
      name: 'stridesync_activities_place',
      help: 'Stored runs by place enrichment status.',
      samples: by('place_status'),
    },
  ];
}

/** Absent where pg-boss was never installed in this database (no queue, nothing to count). */
async function queueFamilies(db: Database): Promise<Family[]> {
  const rows = await jobCounts(db);
  if (!rows) return [];
  const names = [...new Set([...Object.values(QUEUES), ...rows.map((r) => r.name)])].sort();
  return [
    {
      name: 'stridesync_queue_jobs',
      help: 'pg-boss jobs by queue and state (completed jobs until pg-boss archives them).',
      samples: names.flatMap((queue) =>
        JOB_STATES.map((state) => ({
          labels: { queue, state },
          value: rows.find((r) => r.name === queue && r.state === state)?.n ?? 0,
        })),
      ),
    },
  ];
}

async function budgetFamilies(ledger: ReturnType<typeof createApiLedger>): Promise<Family[]> {
  const lines = (
    await Promise.all(
      LEDGER_PROVIDERS.map(async (provider) =>
        (await ledger.snapshot(provider)).map((line) => ({ provider, ...line })),
      ),
    )
  ).flat();
  const samples = (pick: (line: (typeof lines)[number]) => number) =>
    lines.map((line) => ({
      labels: { provider: line.provider, bucket: line.bucket },
      value: pick(line),
    }));
  return [
    {
      name: 'stridesync_api_budget_used',
      help: 'API calls (or weighted units) spent in the current window, per provider and bucket.',
      samples: samples((line) => line.used),
    },
    {
      name: 'stridesync_api_budget_limit',
      help: 'The limit of the current window, per provider and bucket.',
      samples: samples((line) => line.limit),
    },
  ];
}

/** Circuits, providers' last success and configuration state, budgets left, stuck sessions. */
function readinessFamilies(r: Readiness): Family[] {
  const seconds = (iso: string | null) => (iso ? Date.parse(iso) / 1000 : 0);
  const configFailing = (p: Readiness['providers'][number]) =>
    r.problems.some((problem) => problem.key === `provider_config_error:${p.name}`) ? 1 : 0;
  return [
    {
      name: 'stridesync_circuit_open',
      help: "Whether an external API's circuit breaker is open in some process (1) or closed (0), by api.",
      samples: r.providers.map((p) => ({
        labels: { api: p.name },
        value: p.circuit === 'open' ? 1 : 0,
      })),
    },
    {
      name: 'stridesync_provider_last_success_timestamp_seconds',
      help: 'When an external API last answered successfully (Unix seconds; 0: never), by api.',
      samples: r.providers.map((p) => ({
        labels: { api: p.name },
        value: seconds(p.lastSuccessAt),
      })),
    },
    {
      name: 'stridesync_provider_config_error',
      help: "Whether an external API's latest word was a configuration error the operator must fix (1) or not (0), by api.",
      samples: r.providers.map((p) => ({ labels: { api: p.name }, value: configFailing(p) })),
    },
    {
      name: 'stridesync_api_budget_remaining_ratio',
      help: "Share of the current window's limit still unspent (0 to 1), per provider and bucket.",
      samples: r.budgets.map((b) => ({
        labels: { provider: b.provider, bucket: b.bucket },
        value: Number(b.remainingShare.toFixed(6)),
      })),
    },
    {
      name: 'stridesync_sync_sessions_lease_expired',
      help: 'Running sync sessions whose lease has run out (their worker died; the reaper hands them on).',
      samples: [{ value: r.sessions.leaseExpired }],
    },
    {
      name: 'stridesync_sync_sessions_stuck',
      help: 'Running sync sessions whose lease ran out over 5 minutes ago and that nobody took over.',
      samples: [{ value: r.sessions.stuck }],
    },
    {
      name: 'stridesync_migrations_pending',
      help: 'Migrations this code ships that the database has not applied (absent where the files are not deployed).',
      samples: r.migrations.pending === null ? [] : [{ value: r.migrations.pending.length }],
    },
  ];
}

/** Due jobs per queue and the age of the oldest; every known queue listed, zeros included. */
async function backlogFamilies(db: Database, nowMs: number): Promise<Family[]> {
  const rows = await queueBacklog(db, nowMs);
  if (!rows) return [];
  const names = [...new Set([...Object.values(QUEUES), ...rows.map((r) => r.name)])].sort();
  const of = (queue: string) => rows.find((r) => r.name === queue);
  return [
    {
      name: 'stridesync_queue_depth',
      help: 'Jobs due and not yet taken by a worker, by queue (jobs scheduled for later excluded).',
      samples: names.map((queue) => ({ labels: { queue }, value: of(queue)?.waiting ?? 0 })),
    },
    {
      name: 'stridesync_queue_oldest_job_age_seconds',
      help: 'How long the oldest due job has waited, by queue (0: none waiting).',
      samples: names.map((queue) => ({
        labels: { queue },
        value: Number((of(queue)?.oldest_age_s ?? 0).toFixed(3)),
      })),
    },
  ];
}

/** The counters and histograms every process added to, grouped into their families. */
function counterFamilies(rows: readonly CounterRow[]): Family[] {
  return Object.entries(COUNTERS).flatMap(([name, { help, type }]) => {
    const mine = rows.filter((r) =>
      type === 'counter'
        ? r.name === name
        : [`${name}_bucket`, `${name}_sum`, `${name}_count`].includes(r.name),
    );
    if (mine.length === 0) return [];
    return [
      {
        name,
        help,
        type,
        samples: [],
        lines: mine.map((r) => `${r.name}${r.labels ? `{${r.labels}}` : ''} ${r.value}`),
      },
    ];
  });
}

function render(families: readonly Family[]): string {
  return families
    .map((family) =>
      [
        `# HELP ${family.name} ${family.help}`,
        `# TYPE ${family.name} ${family.type ?? 'gauge'}`,
        ...family.samples.map((s) => `${family.name}${labelText(s.labels)} ${s.value}`),
        ...(family.lines ?? []),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}

function labelText(labels: Record<string, string> | undefined): string {
  const text = renderLabels(labels);
  return text ? `{${text}}` : '';
}
