import { type Config, loadConfig } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Database } from '../store/database.ts';
import { openDatabase } from '../store/open-database.ts';
import { pushSubscriptionStore } from '../store/push-subscription-store.ts';
import {
  createPushSubscriptionsApi,
  type PushSubscriptionsApi,
} from '../strava/push-subscriptions.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';

const USAGE = `Usage: stridesync strava <subscribe|subscription|unsubscribe> [options]

Strava's push subscription, which sends runs created, changed and deleted on Strava to the
webhook (POST /api/strava/webhook) as they happen. Strava does not sign its events, so the
webhook accepts only events naming the subscription this command made and stored.

  subscribe --callback-url <url>
      Create the subscription at Strava with STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET and
      STRAVA_WEBHOOK_VERIFY_TOKEN, and store its id. Strava checks the URL at once (the
      hub.challenge handshake), so the API must already be served there with the same
      STRAVA_WEBHOOK_VERIFY_TOKEN: run it after deploying, e.g.
      --callback-url https://<your site>/api/strava/webhook
  subscription
      Show the stored subscription: id, callback URL, when it was made.
  unsubscribe
      Delete the subscription at Strava and here; events stop.`;

export const stravaCommand: CliCommand = {
  name: 'strava',
  summary: 'Strava push subscription: subscribe, show it (subscription), unsubscribe',
  usage: USAGE,
  options: { 'callback-url': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(values, positionals) {
    const action = positionals[0];
    if (action !== 'subscribe' && action !== 'subscription' && action !== 'unsubscribe')
      throw new CliUsageError(`unknown strava command '${action}'`);
    const callbackUrl = callbackUrlOf(action, values);
    const config = loadConfig();
    const db = await openDatabase(config.database, { max: 1 });
    try {
      if (action === 'subscription') return await showSubscription(db);
      const strava = pushSubscriptionsOf(config);
      if (action === 'unsubscribe') return await unsubscribe(db, strava);
      return await subscribe(db, strava, callbackUrl as string, verifyTokenOf(config));
    } finally {
      await db.close();
    }
  },
};

function callbackUrlOf(action: string, values: CliValues): string | undefined {
  const given = values['callback-url'];
  if (action !== 'subscribe') {
    if (given !== undefined) throw new CliUsageError(`--callback-url is for subscribe only`);
    return undefined;
  }
  if (typeof given !== 'string') throw new CliUsageError('subscribe needs --callback-url <url>');
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new CliUsageError(`--callback-url is not a URL: ${given}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CliUsageError('--callback-url must be an http(s) URL');
  return given;
}

async function subscribe(
  db: Database,
  strava: PushSubscriptionsApi,
  callbackUrl: string,
  verifyToken: string,
) {
  const stored = await pushSubscriptionStore.load(db);
  if (stored) {
    throw new ConfigError({
      code: 'strava_subscription_stored',
      userMessage: `A push subscription is already stored: ${stored.id} → ${stored.callbackUrl}.`,
      hint: 'Run `stridesync strava unsubscribe` first to replace it.',
    });
  }
  process.stdout.write(`Asking Strava to subscribe ${callbackUrl} (Strava checks it now)…\n`);
  const created = await strava.create(callbackUrl, verifyToken);
  const saved = await pushSubscriptionStore.save(db, created);
  process.stdout.write(
    `Subscribed: subscription ${saved.id} → ${saved.callbackUrl}. The webhook now accepts its events.\n`,
  );
  return 0;
}

async function showSubscription(db: Database) {
  const stored = await pushSubscriptionStore.load(db);
  if (!stored) {
    process.stdout.write(
      'No push subscription stored: the webhook drops every event. ' +
        'Run `stridesync strava subscribe --callback-url <url>` to make one.\n',
    );
    return 1;
  }
  process.stdout.write(
    `id        ${stored.id}\ncallback  ${stored.callbackUrl}\ncreated   ${stored.createdAt.toISOString()}\n`,
  );
  return 0;
}

/**
 * Deletes the stored subscription at Strava, then here. With none stored, the one Strava lists
 * for the application (made by hand, or stored in a database since reset) is deleted instead,
 * so the command also clears the way for `subscribe`.
 */
async function unsubscribe(db: Database, strava: PushSubscriptionsApi) {
  const stored = await pushSubscriptionStore.load(db);
  const id = stored?.id ?? (await strava.list())[0]?.id;
  if (!id) {
    process.stdout.write('No push subscription here or at Strava: nothing to delete.\n');
    return 0;
  }
  const result = await strava.remove(id);
  await pushSubscriptionStore.remove(db);
  process.stdout.write(
    result === 'deleted'
      ? `Unsubscribed: subscription ${id} deleted at Strava${stored ? ' and here' : ''}.\n`
      : `Strava no longer had subscription ${id}; removed it here.\n`,
  );
  return 0;
}

function pushSubscriptionsOf(config: Config): PushSubscriptionsApi {
  const { clientId, clientSecret, apiUrl } = config.strava;
  if (!clientId || !clientSecret) {
    throw new ConfigError({
      code: 'strava_credentials_missing',
      userMessage:
        'No Strava application is configured (demo mode): there is nothing to subscribe.',
      hint: 'Set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET (and STRAVA_API_URL for another host).',
    });
  }
  return createPushSubscriptionsApi({ apiUrl, clientId, clientSecret });
}

function verifyTokenOf(config: Config): string {
  const token = config.strava.webhookVerifyToken;
  if (!token) {
    throw new ConfigError({
      code: 'webhook_verify_token_missing',
      userMessage: 'STRAVA_WEBHOOK_VERIFY_TOKEN is not set.',
      hint: 'Set it here and on the server to the same value: the server answers Strava’s check only for it.',
    });
  }
  return token;
}
