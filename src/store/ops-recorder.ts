import type { Clock } from '../core/clock.ts';
import type { CallObserver } from '../net/resilient-fetch.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from './database.ts';
import { CALL_SECONDS_BUCKETS, histogramAdds, opsStore } from './ops-store.ts';

/**
 * Records every external API attempt where every process can read it: a request counter and a
 * latency histogram per API and status, the API's last success or transient failure, and its
 * breaker opening and closing. A recording that fails is logged and never fails the call: the
 * figures are the operator's, the call is the runner's.
 */
export function createOpsRecorder(db: Database, clock: Clock, logger: Logger): CallObserver {
  const safely = async (what: string, api: string, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      logger.warn({ err: error, api, code: 'ops_record_failed' }, `recording ${what} failed`);
    }
  };
  return {
    attempted: (api, { status, seconds }) =>
      safely('an API call', api, async () => {
        const labels = { api, status: String(status) };
        await opsStore.add(db, [
          { name: 'stridesync_external_requests_total', labels, value: 1 },
          ...histogramAdds(
            'stridesync_external_request_duration_seconds',
            { api },
            seconds,
            CALL_SECONDS_BUCKETS,
          ),
        ]);
        const at = new Date(clock.now());
        if (typeof status === 'number' && status < 400) {
          await opsStore.recordSuccess(db, api, at);
        } else if (status === 'error' || status >= 500) {
          const code = status === 'error' ? 'upstream_unreachable' : `http_${status}`;
          const message =
            status === 'error' ? 'No answer (network error or timeout).' : `HTTP ${status}`;
          await opsStore.recordFailure(db, api, { errorClass: 'transient', code, message }, at);
        } else if (status === 429) {
          const failure = {
            errorClass: 'rate_limited' as const,
            code: 'http_429',
            message: 'HTTP 429',
          };
          await opsStore.recordFailure(db, api, failure, at);
        }
      }),
    circuitOpened: (api, until) => {
      void safely('a circuit opening', api, async () => {
        await opsStore.recordCircuit(db, api, until);
        await opsStore.add(db, [
          { name: 'stridesync_circuit_opened_total', labels: { api }, value: 1 },
        ]);
      });
    },
    circuitClosed: (api) => {
      void safely('a circuit closing', api, () => opsStore.recordCircuit(db, api, null));
    },
  };
}
