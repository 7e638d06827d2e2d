import type { Queryable } from './database.ts';

/**
 * What an operator watches, kept in the database so every process (workers, Netlify functions,
 * the local server) writes it and any of them reads it: each external API's health
 * (`provider_health`), the counters `/api/metrics` serves (`ops_counters`) and alert incidents
 * (`alert_incidents`). Nothing here names a user or a run.
 */

/** Why a provider's last call failed: `config` is the operator's to fix, the others pass. */
export type ErrorClass = 'config' | 'transient' | 'rate_limited';

export interface ProviderHealthRow {
  provider: string;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_error_class: ErrorClass | null;
  last_error_code: string | null;
  last_error_message: string | null;
  circuit_open_until: Date | null;
}

export type Labels = Readonly<Record<string, string>>;

/** One addition to a counter: a metric name, its labels and how much to add. */
export interface CounterAdd {
  name: string;
  labels?: Labels;
  value: number;
}

export interface CounterRow {
  name: string;
  /** Prometheus label text without braces, e.g. `provider="strava",status="2xx"`. */
  labels: string;
  value: number;
}

export interface Incident {
  key: string;
  summary: string;
  openedAt: Date;
}

/** `a="1",b="x\"y"`: labels in the given order, escaped as the Prometheus text format wants. */
export function renderLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const escaped = (value: string) =>
    value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  return Object.entries(labels)
    .map(([key, value]) => `${key}="${escaped(value)}"`)
    .join(',');
}

/** The same label set always renders the same: one counter row, whatever order it was built in. */
function sortedLabels(labels: Labels | undefined): Labels | undefined {
  return labels && Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Histogram bucket bounds (seconds) for an external API call and for a whole sync session. */
export const CALL_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
export const SESSION_SECONDS_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200] as const;

/**
 * The additions one observation makes to a Prometheus histogram: every `_bucket` whose bound it
 * does not exceed (cumulative, `+Inf` included), `_sum` and `_count`.
 */
export function histogramAdds(
  name: string,
  labels: Labels,
  value: number,
  buckets: readonly number[],
): CounterAdd[] {
  return [
    ...buckets
      .filter((le) => value <= le)
      .map((le) => ({ name: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: 1 })),
    { name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: 1 },
    { name: `${name}_sum`, labels, value },
    { name: `${name}_count`, labels, value: 1 },
  ];
}

export const opsStore = {
  /**
   * Adds to counters in one statement (rows in key order, so two processes adding to the same
   * counters never deadlock). Works in the caller's transaction when given one.
   */
  async add(db: Queryable, adds: readonly CounterAdd[]): Promise<void> {
    const merged = new Map<string, { name: string; labels: string; value: number }>();
    for (const add of adds) {
      if (add.value <= 0) continue;
      const labels = renderLabels(sortedLabels(add.labels));
      const key = `${add.name}{${labels}}`;
      const seen = merged.get(key);
      if (seen) seen.value += add.value;
      else merged.set(key, { name: add.name, labels, value: add.value });
    }
    const rows = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
    if (rows.length === 0) return;
    await db.query(
      `insert into ops_counters (name, labels, value)
       select * from unnest($1::text[], $2::text[], $3::float8[])
       on conflict (name, labels) do update
         set value = ops_counters.value + excluded.value, updated_at = now()`,
      [rows.map((r) => r.name), rows.map((r) => r.labels), rows.map((r) => r.value)],
    );
  },

  async counters(db: Queryable): Promise<CounterRow[]> {
    const { rows } = await db.query<CounterRow>(
      'select name, labels, value from ops_counters order by name, labels',
    );
    return rows.map((r) => ({ ...r, value: Number(r.value) }));
  },

  /** A call to `provider` succeeded at `at`. */
  async recordSuccess(db: Queryable, provider: string, at: Date): Promise<void> {
    await db.query(
      `insert into provider_health (provider, last_success_at) values ($1, $2)
       on conflict (provider) do update
         set last_success_at = greatest(provider_health.last_success_at, excluded.last_success_at),
             updated_at = now()`,
      [provider, at.toISOString()],
    );
  },

  /** A call to `provider` failed at `at`, for the reason its class and code say. */
  async recordFailure(
    db: Queryable,
    provider: string,
    failure: { errorClass: ErrorClass; code: string; message: string },
    at: Date,
  ): Promise<void> {
    await db.query(
      `insert into provider_health
         (provider, last_failure_at, last_error_class, last_error_code, last_error_message)
       values ($1, $2, $3, $4, $5)
       on conflict (provider) do update
         set last_failure_at = excluded.last_failure_at,
             last_error_class = excluded.last_error_class,
             last_error_code = excluded.last_error_code,
             last_error_message = excluded.last_error_message,
             updated_at = now()`,
      [provider, at.toISOString(), failure.errorClass, failure.code, failure.message.slice(0, 500)],
    );
  },

  /** A breaker opened (`until` set) or closed (`until` null) in some process. */
  async recordCircuit(db: Queryable, provider: string, until: Date | null): Promise<void> {
    await db.query(
      `insert into provider_health (provider, circuit_open_until) values ($1, $2)
       on conflict (provider) do update
         set circuit_open_until = excluded.circuit_open_until, updated_at = now()`,
      [provider, until?.toISOString() ?? null],
    );
  },

  async providerHealth(db: Queryable): Promise<ProviderHealthRow[]> {
    const { rows } = await db.query<ProviderHealthRow>(
      `select provider, last_success_at, last_failure_at, last_error_class, last_error_code,
         last_error_message, circuit_open_until from provider_health order by provider`,
    );
    return rows;
  },

  /**
   * Opens the incident `key` unless it is open already: true for the one caller that opened it
   * (a new key, or one resolved before), false for everyone else.
   */
  async openIncident(db: Queryable, key: string, summary: string, at: Date): Promise<boolean> {
    const { rows } = await db.query(
      `insert into alert_incidents (key, summary, opened_at) values ($1, $2, $3)
       on conflict (key) do update
         set summary = excluded.summary, opened_at = excluded.opened_at, resolved_at = null,
             updated_at = now()
         where alert_incidents.resolved_at is not null
       returning key`,
      [key, summary, at.toISOString()],
    );
    return rows.length === 1;
  },

  /** Resolves every open incident whose key is not in `stillOpen`; returns those it resolved. */
  async resolveIncidentsExcept(
    db: Queryable,
    stillOpen: readonly string[],
    at: Date,
  ): Promise<Incident[]> {
    const { rows } = await db.query<{ key: string; summary: string; opened_at: Date }>(
      `update alert_incidents set resolved_at = $2, updated_at = now()
       where resolved_at is null and not (key = any($1::text[]))
       returning key, summary, opened_at`,
      [stillOpen, at.toISOString()],
    );
    return rows.map((r) => ({ key: r.key, summary: r.summary, openedAt: r.opened_at }));
  },

  async openIncidents(db: Queryable): Promise<Incident[]> {
    const { rows } = await db.query<{ key: string; summary: string; opened_at: Date }>(
      'select key, summary, opened_at from alert_incidents where resolved_at is null order by key',
    );
    return rows.map((r) => ({ key: r.key, summary: r.summary, openedAt: r.opened_at }));
  },
};
