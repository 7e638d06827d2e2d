import { useCallback, useState } from 'react';
import type { ConnectionView, EstimateView } from '../../src/api/contract.ts';
import { type ApiClient, ApiError } from '../../src/client/api-client.ts';

/**
 * The Strava connection and, while connected, what a sync will cost. The estimate is a nicety:
 * when it cannot be had, the page says why in its place and everything else still works.
 */
export function useConnection(client: ApiClient) {
  const [connection, setConnection] = useState<ConnectionView | null>(null);
  const [estimate, setEstimate] = useState<EstimateView | string | null>(null);

  const reload = useCallback(async () => {
    const next = await client.connection();
    setConnection(next);
    if (next.status !== 'connected') return setEstimate(null);
    try {
      setEstimate(await client.estimate());
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setEstimate(`No estimate right now: ${error.message}`);
    }
  }, [client]);

  return { connection, estimate, reload };
}
