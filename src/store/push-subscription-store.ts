import type { Queryable } from './database.ts';

/**
 * Strava's push subscription as stridesync made it (`strava_push_subscription`, one row at
 * most): the webhook trusts an event only when it names this subscription's id.
 */
export interface PushSubscription {
  /** Strava's subscription id, a decimal string as every bigint comes back. */
  id: string;
  callbackUrl: string;
  createdAt: Date;
}

interface Row {
  id: string;
  callback_url: string;
  created_at: Date;
}

const fromRow = (row: Row): PushSubscription => ({
  id: row.id,
  callbackUrl: row.callback_url,
  createdAt: row.created_at,
});

export const pushSubscriptionStore = {
  async load(db: Queryable): Promise<PushSubscription | undefined> {
    const { rows } = await db.query<Row>(
      'select id, callback_url, created_at from strava_push_subscription',
    );
    return rows[0] && fromRow(rows[0]);
  },

  /** Replaces whatever was stored: Strava allows one subscription per application. */
  async save(db: Queryable, subscription: { id: string; callbackUrl: string }) {
    await db.query('delete from strava_push_subscription where id <> $1', [subscription.id]);
    const { rows } = await db.query<Row>(
      `insert into strava_push_subscription (id, callback_url) values ($1, $2)
       on conflict (id) do update set callback_url = excluded.callback_url
       returning id, callback_url, created_at`,
      [subscription.id, subscription.callbackUrl],
    );
    return fromRow(rows[0] as Row);
  },

  async remove(db: Queryable): Promise<void> {
    await db.query('delete from strava_push_subscription');
  },
};
