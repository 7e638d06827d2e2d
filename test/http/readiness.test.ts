import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { enrichPending } from '../../src/enrichment/enrich-pending.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../../src/enrichment/enrichment-services.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { checkAlerts } from '../../src/queue/alert-watch.ts';
import { createOpsRecorder } from '../../src/store/ops-recorder.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { insertRun, type TestRun } from '../weather/test-runs.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';
import { testApp } from './test-app.ts';

const APIS = ['strava', 'open-meteo', 'nominatim'];
const DAY_MS = 86_400_000;
const RUNS: TestRun[] = Array.from({ length: 4 }, (_, i) => ({
  label: `Berlin loop ${i}`,
  lat: 52.52,
  lng: 13.405 + i * 0.02,
  start: new Date(Date.parse('2025-09-01T05:30:00Z') + i * DAY_MS).toISOString(),
  elapsedS: 2400,
}));

/** A Slack-compatible receiver: keeps every JSON body posted to it. */
async function startReceiver(): Promise<{ url: string; texts: string[]; server: Server }> {
  const texts: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      texts.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, texts, server };
}

describe('readiness, metrics and alerts from what every process recorded', () => {
  let sims: WeatherSims;
  let t: TestDatabase;
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const logger = createLogger('silent');

  const enrichWith = (archiveUrl: string, userId: string) =>
    enrichPending(
      t.db,
      {
        ...createEnrichmentServices(
          sims.settings({
            provider: 'open-meteo',
            openWeatherApiKey: undefined,
            openMeteoArchiveUrl: archiveUrl,
          }),
          {
            ledger: createApiLedger(t.db, sims.clock),
            clock: sims.clock,
            userAgent: stridesyncUserAgent('https://runs.example.test'),
            sleep: sims.sleep,
            http: {
              sleep: sims.sleep,
              random: () => 0,
              timeoutMs: 5000,
              observer: createOpsRecorder(t.db, sims.clock, logger),
            },
          },
        ),
        clock: sims.clock,
      },
      { userId },
    );
  const ready = async () => {
    const response = await fetch(`${server.url}/api/health/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const metrics = async () => {
    const text = await (await fetch(`${server.url}/api/metrics`)).text();
    return new Map(
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const at = line.lastIndexOf(' ');
          return [line.slice(0, at), Number(line.slice(at + 1))] as const;
        }),
    );
  };

  beforeAll(async () => {
    sims = await startWeatherSims();
    t = await createTestDatabase('postgres');
    receiver = await startReceiver();
    server = await startServer(
      createApp({
        db: t.db,
        clock: sims.clock,
        logger,
        auth: createJwtVerifier({ secret: 'a-test-secret-of-at-least-32-characters!!' }),
        apis: APIS,
      }),
      { port: 0 },
    );
  });
  afterAll(async () => {
    await server.close();
    await t.dispose();
    await sims.close();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it('says degraded naming open-meteo when its URL is wrong, alerts once, and recovers by itself', async () => {
    const before = await ready();
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      status: 'ok',
      migrations: { current: true, pending: [] },
      sessions: { leaseExpired: 0, stuck: 0 },
    });
    expect((before.body.providers as { name: string }[]).map((p) => p.name)).toEqual(
      [...APIS].sort(),
    );

    const userId = await insertUser(t.db);
    for (const run of RUNS) await insertRun(t.db, userId, run);
    const wrongUrl = sims.urls.openMeteo.replace('/v1/archive', '/v1/archiv');
    await expect(enrichWith(wrongUrl, userId)).rejects.toBeInstanceOf(ConfigError);

    const degraded = await ready();
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.problems).toEqual(['provider_config_error:open-meteo']);
    expect((degraded.body.reasons as string[])[0]).toMatch(/^open-meteo refuses/);
    expect(degraded.body.providers).toContainEqual(
      expect.objectContaining({
        name: 'open-meteo',
        lastErrorClass: 'config',
        lastErrorCode: 'open_meteo_not_found',
        lastSuccessAt: null,
      }),
    );
    const failing = await metrics();
    expect(
      failing.get(
        'stridesync_provider_config_errors_total{code="open_meteo_not_found",provider="open-meteo"}',
      ),
    ).toBe(1);
    expect(failing.get('stridesync_external_requests_total{api="open-meteo",status="404"}')).toBe(
      1,
    );
    expect(failing.get('stridesync_provider_config_error{api="open-meteo"}')).toBe(1);
    expect(
      failing.get('stridesync_external_request_duration_seconds_count{api="open-meteo"}'),
    ).toBe(1);

    // Several workers watching at once, and again later: one notification for the incident.
    const settings = { webhookUrl: receiver.url, apis: APIS };
    const checks = await Promise.all(
      [1, 2, 3].map(() => checkAlerts({ db: t.db, clock: sims.clock, logger }, settings)),
    );
    expect(checks.flatMap((c) => c.fired)).toEqual(['provider_config_error:open-meteo']);
    await checkAlerts({ db: t.db, clock: sims.clock, logger }, settings);
    expect(receiver.texts).toHaveLength(1);
    expect(receiver.texts[0]).toMatch(/^stridesync alert: open-meteo refuses/);

    // The operator fixes the URL; the next pass succeeds and everything clears without a hand.
    sims.clock.advance(1000);
    const fixed = await enrichWith(sims.urls.openMeteo, userId);
    expect(fixed.weather.enriched).toBe(RUNS.length);
    const recovered = await ready();
    expect(recovered.body).toMatchObject({ status: 'ok', problems: [], reasons: [] });
    const after = await metrics();
    expect(after.get('stridesync_provider_config_error{api="open-meteo"}')).toBe(0);
    expect(after.get('stridesync_runs_enriched_total{kind="weather",result="enriched"}')).toBe(
      RUNS.length,
    );
    expect(
      after.get('stridesync_cache_lookups_total{kind="weather",result="miss"}'),
    ).toBeGreaterThan(0);
    expect(after.get('stridesync_provider_last_success_timestamp_seconds{api="open-meteo"}')).toBe(
      sims.clock.now() / 1000,
    );

    await Promise.all(
      [1, 2].map(() => checkAlerts({ db: t.db, clock: sims.clock, logger }, settings)),
    );
    await checkAlerts({ db: t.db, clock: sims.clock, logger }, settings);
    expect(receiver.texts).toHaveLength(2);
    expect(receiver.texts[1]).toMatch(/^stridesync resolved: provider_config_error:open-meteo/);
    expect(after.get('stridesync_alert_notifications_total{result="sent",state="firing"}')).toBe(1);
  });

  it('says degraded naming the provider whose budget is spent', async () => {
    const ledger = createApiLedger(t.db, sims.clock);
    const now = sims.clock.now();
    await ledger.observe(
      'nominatim',
      [{ bucket: 'calls:daily', window: 'daily', limit: 10, used: 10 }],
      now,
    );
    const { body } = await ready();
    expect(body.status).toBe('degraded');
    expect(body.problems).toEqual(['budget_spent:nominatim:calls:daily']);
    expect(
      (await metrics()).get(
        'stridesync_api_budget_remaining_ratio{provider="nominatim",bucket="calls:daily"}',
      ),
    ).toBe(0);
  });
});

describe('GET /api/health/ready with a broken database', () => {
  it('answers 503 naming the database', async () => {
    const db = await createPgliteDatabase('memory://');
    await db.close();
    const response = await testApp(db).request('/api/health/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unavailable',
      problems: ['database_unavailable'],
      reasons: [expect.stringMatching(/^The database does not answer/)],
    });
  });
});
