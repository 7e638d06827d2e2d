import { useCallback, useState } from 'react';
import type { ActivityStatsView, ActivityView } from '../../src/api/contract.ts';
import type { ApiClient } from '../../src/client/api-client.ts';

const PAGE_SIZE = 20;

/** The runs a page at a time (newest first) and the whole history's figures for the charts. */
export function useHistory(client: ApiClient) {
  const [runs, setRuns] = useState<ActivityView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<ActivityStatsView | null>(null);

  /** Back to the first page: after a sync or a disconnect, what was paged in may be gone. */
  const reload = useCallback(async () => {
    const [page, nextStats] = await Promise.all([
      client.activities({ limit: PAGE_SIZE }),
      client.activityStats(),
    ]);
    setRuns(page.items);
    setCursor(page.nextCursor);
    setStats(nextStats);
  }, [client]);

  const loadMore = useCallback(async () => {
    if (!cursor) return;
    const page = await client.activities({ limit: PAGE_SIZE, cursor });
    setRuns((current) => [...(current ?? []), ...page.items]);
    setCursor(page.nextCursor);
  }, [client, cursor]);

  return { runs, stats, hasMore: cursor !== null, reload, loadMore };
}
