import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { createApiLedger } from '../../budget/api-ledger.ts';
import { LEDGER_PROVIDER } from '../../budget/provider-limits.ts';
import type { Clock } from '../../core/clock.ts';
import { AuthenticationError } from '../../core/errors.ts';
import { ENRICHMENT_STATUSES, SESSION_STATUSES, SYNC_KINDS } from '../../core/glossary.ts';
import { jobCounts } from '../../queue/job-counts.ts';
import { QUEUES } from '../../queue/job-queue.ts';
import type { Database } from '../../store/database.ts';
import { metricCounts } from '../../store/metric-counts.ts';
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
  samples: Sample[];
}

/**
 * `GET /api/metrics`: Prometheus text exposition of aggregates only (counts by status, queue
 * sizes, budget use, uptime), never a user id or anything a runner did. Every figure is one
 * `count … group by` or the ledger's current windows, so a scrape costs a few cheap queries.
 * Known label values are always listed, zeros included, so a series never vanishes when its
 * count drops to nothing. With `token` set, a scrape must send `Authorization: Bearer <token>`;
 * without one, the metrics are served to this computer only (a local install's Prometheus), never
 * to a request that reached the server by a public name.
 */
export function metricsRoutes(deps: { db: Database; clock: Clock; token?: string }) {
  const ledger = createApiLedger(deps.db, deps.clock);
  return new Hono<AppEnv>().get('/api/metrics', async (c) => {
    if (deps.token) requireToken(c.req.header('authorization'), deps.token);
    else if (!isLoopbackRequest(c.req.url)) throw tokenNotConfigured();
    const families = [
      ...(await sessionFamilies(deps.db)),
      ...(await activityFamilies(deps.db)),
      ...(await queueFamilies(deps.db)),
      ...(await budgetFamilies(ledger)),
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

function render(families: readonly Family[]): string {
  return families
    .map((family) =>
      [
        `# HELP ${family.name} ${family.help}`,
        `# TYPE ${family.name} gauge`,
        ...family.samples.map((s) => `${family.name}${labelText(s.labels)} ${s.value}`),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const escaped = (value: string) =>
    value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  return `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${escaped(value)}"`)
    .join(',')}}`;
}
