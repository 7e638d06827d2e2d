/**
 * Request counts by endpoint and status, so tests and benchmarks can assert what a sync cost:
 * "one backfill of 1,000 activities took 5 list calls and no 429". Endpoints are named by
 * method and route pattern, without the mount prefix: `GET /api/v3/activities/{id}`.
 * A request still hanging shows as status `hung` until it is released.
 */
export interface EndpointCount {
  endpoint: string;
  status: string;
  count: number;
}

export interface Inspector {
  record(endpoint: string, status: number | 'hung'): void;
  forget(endpoint: string, status: 'hung'): void;
  counts(): EndpointCount[];
  /** `{ 'GET /api/v3/athlete': { '200': 3, '429': 1 } }` */
  byEndpoint(): Record<string, Record<string, number>>;
  total(filter?: { endpoint?: string; status?: number }): number;
  clear(): void;
}

export function createInspector(): Inspector {
  const counts = new Map<string, Map<string, number>>();
  const inspector: Inspector = {
    record(endpoint, status) {
      const statuses = counts.get(endpoint) ?? new Map<string, number>();
      counts.set(endpoint, statuses);
      statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
    },
    forget(endpoint, status) {
      const statuses = counts.get(endpoint);
      const count = statuses?.get(status) ?? 0;
      if (count > 1) statuses?.set(status, count - 1);
      else statuses?.delete(status);
    },
    counts() {
      return [...counts].flatMap(([endpoint, statuses]) =>
        [...statuses].map(([status, count]) => ({ endpoint, status, count })),
      );
    },
    byEndpoint() {
      return Object.fromEntries(
        [...counts].map(([endpoint, statuses]) => [endpoint, Object.fromEntries(statuses)]),
      );
    },
    total(filter = {}) {
      return inspector
        .counts()
        .filter(
          (row) =>
            (filter.endpoint === undefined || row.endpoint === filter.endpoint) &&
            (filter.status === undefined || row.status === String(filter.status)),
        )
        .reduce((sum, row) => sum + row.count, 0);
    },
    clear() {
      counts.clear();
    },
  };
  return inspector;
}

const MOUNTS = ['/api/v3/', '/oauth/'];

/**
 * `/strava/api/v3/activities/123` → `/api/v3/activities/{id}`: the path from the first
 * `/api/v3/` or `/oauth/` on (whatever prefix the app is mounted under), numeric segments
 * replaced by `{id}`.
 */
export function endpointName(method: string, path: string): string {
  const starts = MOUNTS.map((mount) => path.indexOf(mount)).filter((index) => index >= 0);
  const tail = starts.length ? path.slice(Math.min(...starts)) : path;
  return `${method} ${tail.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}
