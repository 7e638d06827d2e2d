import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStravaSimulator, type StravaSimulator } from '../../sim/strava/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { JWT_SECRET } from '../http/test-app.ts';
import { startServer as startSimServer, type TestServer } from '../sim/strava-helpers.ts';
import { runCli } from '../support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const VERIFY_TOKEN = 'cli-verify-token';

/**
 * `stridesync strava subscribe | subscription | unsubscribe` as a real process, against the
 * Strava simulator, which checks the callback with the handshake at our API before answering.
 */
// Each command is a Node process started cold: several seconds each on a busy machine.
describe('stridesync strava', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let sim: StravaSimulator;
  let simServer: TestServer;
  let api: RunningServer;
  let queue: JobQueue;
  let env: Record<string, string>;
  let callbackUrl: string;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sim = createStravaSimulator({ athletes: [{ seed: 'cli-sub', activityCount: 5, years: 1 }] });
    simServer = await startSimServer(sim.app);
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    api = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        queue,
        webhookVerifyToken: VERIFY_TOKEN,
      }),
      { port: 0 },
    );
    callbackUrl = `${api.url}/api/strava/webhook`;
    env = {
      DATABASE_URL: t.url!,
      LOG_LEVEL: 'silent',
      STRAVA_CLIENT_ID: sim.defaultApp.clientId,
      STRAVA_CLIENT_SECRET: sim.defaultApp.clientSecret,
      STRAVA_API_URL: `${simServer.url}/api/v3`,
      STRAVA_OAUTH_URL: `${simServer.url}/oauth`,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      STRAVA_WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN,
    };
  });
  afterAll(async () => {
    await sim.close();
    await simServer.close();
    await api.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const p = runCli(['strava', ...args], { ...env, ...extra });
    return { code: await p.exited, out: p.stdout(), err: p.stderr() };
  };

  it('subscribes through the handshake, stores the id, shows it and unsubscribes', async () => {
    const none = await run(['subscription']);
    expect(none.code).toBe(1);
    expect(none.out).toContain('No push subscription stored');

    const subscribed = await run(['subscribe', '--callback-url', callbackUrl]);
    expect(subscribed).toMatchObject({ code: 0, err: '' });
    const [atStrava] = sim.inspect().subscriptions;
    expect(atStrava).toMatchObject({ callbackUrl });
    const stored = await pushSubscriptionStore.load(t.db);
    expect(stored).toMatchObject({ id: String(atStrava!.id), callbackUrl });
    expect(subscribed.out).toContain(`subscription ${atStrava!.id}`);

    const shown = await run(['subscription']);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(
      new RegExp(`id\\s+${atStrava!.id}\\ncallback\\s+${callbackUrl}\\ncreated\\s+\\d{4}-`),
    );

    const again = await run(['subscribe', '--callback-url', callbackUrl]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already stored');

    const gone = await run(['unsubscribe']);
    expect(gone.code).toBe(0);
    expect(gone.out).toContain(`subscription ${atStrava!.id} deleted at Strava and here`);
    expect(sim.inspect().subscriptions).toEqual([]);
    expect(await pushSubscriptionStore.load(t.db)).toBeUndefined();
  });

  it('says why Strava refused: a verify token the API does not answer to; none set', async () => {
    const wrongToken = await run(['subscribe', '--callback-url', callbackUrl], {
      STRAVA_WEBHOOK_VERIFY_TOKEN: 'not-the-servers',
    });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.err).toContain(`Strava did not accept the callback URL ${callbackUrl}`);
    expect(wrongToken.err).toContain('STRAVA_WEBHOOK_VERIFY_TOKEN');
    expect(await pushSubscriptionStore.load(t.db)).toBeUndefined();
    expect(sim.inspect().subscriptions).toEqual([]);

    const noToken = await run(['subscribe', '--callback-url', callbackUrl], {
      STRAVA_WEBHOOK_VERIFY_TOKEN: '',
    });
    expect(noToken.code).toBe(1);
    expect(noToken.err).toContain('STRAVA_WEBHOOK_VERIFY_TOKEN is not set');
  });

  it('refuses wrong arguments with the usage', async () => {
    expect((await run(['subscribe'])).code).toBe(2);
    expect((await run(['resubscribe'])).code).toBe(2);
    expect((await run(['subscribe', '--callback-url', 'not a url'])).code).toBe(2);
  });

  it('unsubscribe also clears a subscription Strava has that was never stored here', async () => {
    const made = await fetch(`${simServer.url}/api/v3/push_subscriptions`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: sim.defaultApp.clientId,
        client_secret: sim.defaultApp.clientSecret,
        callback_url: callbackUrl,
        verify_token: VERIFY_TOKEN,
      }),
    });
    expect(made.status).toBe(201);
    const exists = await run(['subscribe', '--callback-url', callbackUrl]);
    expect(exists.code).toBe(1);
    expect(exists.err).toContain('already has a push subscription');
    const gone = await run(['unsubscribe']);
    expect(gone.code).toBe(0);
    expect(sim.inspect().subscriptions).toEqual([]);
  });
});
