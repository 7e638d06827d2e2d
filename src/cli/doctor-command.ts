import { existsSync } from 'node:fs';
import packageJson from '../../package.json' with { type: 'json' };
import { type Config, invalidConfigHint, readConfig } from '../config/config.ts';
import { AppError, toAppError } from '../core/errors.ts';
import { stridesyncUserAgent } from '../enrichment/enrichment-services.ts';
import { dataDirOwner } from '../store/data-dir-lock.ts';
import type { Database } from '../store/database.ts';
import { migrationStatus } from '../store/migrations.ts';
import { openDatabase } from '../store/open-database.ts';
import { classifyDatabaseError } from '../store/pg-database.ts';
import { type PushSubscription, pushSubscriptionStore } from '../store/push-subscription-store.ts';
import { createPushSubscriptionsApi } from '../strava/push-subscriptions.ts';
import { type ServiceEndpoints, serviceEndpoints } from '../wiring/node/service-endpoints.ts';
import {
  CHECK_TIMEOUT_MS,
  type Check,
  type CheckOutcome,
  noAnswerReason,
  runChecks,
} from './check-report.ts';
import type { CliCommand } from './command.ts';
import {
  type NoAnswer,
  probeGazetteer,
  probeNominatim,
  probeOpenMeteo,
  probeOpenWeatherMap,
  probeStrava,
  unreachableService,
} from './service-probes.ts';

const USAGE = `Usage: stridesync doctor

Checks this install as the environment configures it, and prints each check as passed, warning
or FAILED with what to fix. Exits 1 when a check failed; warnings alone exit 0.

  config          The environment, read as every command reads it: each problem names its variable.
  database        DATABASE_URL answers (or the embedded database opens); a refused connection,
                  an unknown host or a missing database is named with the fix.
  migrations      The database has every migration this version ships; pending ones are listed.
  strava          Strava's token endpoint takes STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET (one
                  refresh with a made-up token: Strava reads the application first).
  openweathermap  With OPENWEATHER_API_KEY: one One Call 3.0 history call proves the key and its
                  "One Call by Call" subscription (one of the day's calls).
  open-meteo      One archive request, read as the enrichment reads it (OPEN_METEO_ARCHIVE_URL).
  nominatim       When PLACE_PROVIDER uses it: one reverse lookup (NOMINATIM_URL).
  places          When places are offline (the default): the packaged gazetteer loads.
  webhook         Strava's push subscription exists, is the one stored, and calls back
                  PUBLIC_URL/api/strava/webhook; none at all is a warning.

Each external check is one call, not counted in stridesync's budgets. In demo mode (no Strava
credentials) Strava, Open-Meteo and Nominatim are the simulators 'stridesync start' serves;
while it runs, and while it holds the embedded database, the checks go through it.`;

/** Where the checks find the database: opened here, or through the server that holds it. */
type DatabaseAccess =
  | { kind: 'open'; db: Database }
  | { kind: 'server'; url: string; pid: number; ready: ReadyAnswer }
  | { kind: 'none'; why: string };

/** What GET /api/health/ready answers about the parts doctor checks. */
interface ReadyAnswer {
  database?: { ok?: boolean; reason?: string };
  migrations?: { pending?: string[] | null };
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check configuration, database, migrations, each external API and the webhook',
  usage: USAGE,
  async run() {
    const read = readConfig();
    const checks: Check[] = [['config', async () => configOutcome(read)]];
    // Set by the database check, read by the ones after it.
    const state: { access: DatabaseAccess } = {
      access: { kind: 'none', why: 'the database was not checked' },
    };
    if ('config' in read) {
      const { config } = read;
      const local = localServerOf(config);
      const endpoints = serviceEndpoints(config, local?.url);
      const noAnswer = config.mode === 'demo' ? demoNoAnswer(endpoints) : unreachableService;
      checks.push(
        [
          'database',
          async () => {
            const [outcome, opened] = await checkDatabase(config, local);
            state.access = opened;
            return outcome;
          },
        ],
        ['migrations', () => checkMigrations(state.access)],
        ...serviceChecks(config, endpoints, noAnswer),
        ['webhook', () => checkWebhook(config, endpoints, state.access)],
      );
    }
    process.stdout.write(
      `Checking stridesync ${packageJson.version}${'config' in read ? ` (${read.config.mode} mode)` : ''}\n`,
    );
    try {
      const tally = await runChecks(checks, (_name, error) => thrown(error));
      process.stdout.write(
        tally.failed === 0 && tally.warning === 0
          ? `All ${tally.passed} checks passed${tally.skipped ? ` (${tally.skipped} skipped)` : ''}.\n`
          : `${tally.failed} failed, ${tally.warning} warning(s), ${tally.passed} passed${tally.skipped ? `, ${tally.skipped} skipped` : ''}.\n`,
      );
      return tally.failed > 0 ? 1 : 0;
    } finally {
      if (state.access.kind === 'open') await state.access.db.close();
    }
  },
};

function configOutcome(read: ReturnType<typeof readConfig>): CheckOutcome {
  if ('issues' in read)
    return {
      status: 'failed',
      detail: `${read.issues.length} problem(s) in the environment:`,
      lines: read.issues.map((issue) => issue.message),
      fix: invalidConfigHint(read.issues),
      stopsTheRest: 'they need a valid configuration',
    };
  const { config } = read;
  const database =
    config.database.kind === 'postgres'
      ? `Postgres (DATABASE_URL)`
      : `the embedded database in ${config.database.dataDir}`;
  const strava =
    config.mode === 'demo' ? 'the Strava simulator' : `Strava client ${config.strava.clientId}`;
  return {
    status: 'passed',
    detail: `${config.mode} mode: ${strava}, ${database}, weather ${config.weather.provider}, places ${config.weather.placeProvider}`,
  };
}

/** A check that threw: its own words when it is ours, the database's when it is the database's. */
function thrown(error: unknown): CheckOutcome {
  const appError = classifyDatabaseError(error) ?? toAppError(error);
  return {
    status: 'failed',
    detail:
      error instanceof AppError
        ? `${appError.userMessage}`
        : `${appError.userMessage} (${(error as Error).message})`,
    ...(appError.hint ? { fix: appError.hint } : {}),
  };
}

/** The process holding the embedded database and the address it serves on, if one does. */
function localServerOf(config: Config): { pid: number; url: string | undefined } | undefined {
  if (config.database.kind !== 'pglite') return undefined;
  const owner = dataDirOwner(config.database.dataDir);
  return owner && { pid: owner.pid, url: owner.url };
}

async function checkDatabase(
  config: Config,
  local: { pid: number; url: string | undefined } | undefined,
): Promise<[CheckOutcome, DatabaseAccess]> {
  const { database } = config;
  if (database.kind === 'pglite' && local) {
    if (!local.url) {
      const why = `the embedded database is held by stridesync process ${local.pid}, which serves no API to ask`;
      return [
        {
          status: 'warning',
          detail: `${why}: not checked`,
          fix: "Run doctor again once that process has finished (or while 'stridesync start' serves), or stop it.",
        },
        { kind: 'none', why },
      ];
    }
    return readinessThrough(local.url, local.pid);
  }
  if (database.kind === 'pglite' && !existsSync(database.dataDir)) {
    const why = `the embedded database in ${database.dataDir} does not exist yet`;
    return [
      {
        status: 'warning',
        detail: why,
        fix: "'stridesync start' (npm start) creates and migrates it; or set DATABASE_URL to a Postgres server.",
      },
      { kind: 'none', why },
    ];
  }
  let db: Database;
  try {
    // A Postgres handle comes back after a round trip; the embedded one is asked here.
    db = await openDatabase(database, { max: 1 });
    if (database.kind === 'pglite') await db.query('select 1').catch(closing(db));
  } catch (error) {
    const outcome = thrown(error);
    return [outcome, { kind: 'none', why: 'the database does not answer' }];
  }
  const where =
    database.kind === 'postgres'
      ? (() => {
          const url = new URL(database.url);
          return `Postgres at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
        })()
      : `the embedded database in ${database.dataDir}`;
  return [
    { status: 'passed', detail: `${where} answers` },
    { kind: 'open', db },
  ];
}

/** Closes `db` on the way out of a failure, then throws the failure on. */
function closing(db: Database) {
  return async (error: unknown): Promise<never> => {
    await db.close().catch(() => {});
    throw error;
  };
}

/** Beside `stridesync start`: its readiness answer says how its database and schema are. */
async function readinessThrough(url: string, pid: number): Promise<[CheckOutcome, DatabaseAccess]> {
  const why = `the embedded database is held by stridesync process ${pid} (${url})`;
  let ready: ReadyAnswer;
  try {
    const response = await fetch(`${url}/api/health/ready`, {
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    ready = (await response.json()) as ReadyAnswer;
  } catch (error) {
    return [
      {
        status: 'failed',
        detail: `${why}, which does not answer (${noAnswerReason(error)})`,
        fix: 'If it is still starting, try again in a moment; if it hangs, stop it and run doctor again.',
      },
      { kind: 'none', why: `${why}, which does not answer` },
    ];
  }
  const access: DatabaseAccess = { kind: 'server', url, pid, ready };
  if (ready.database?.ok)
    return [{ status: 'passed', detail: `${why}: it answers, through the server` }, access];
  return [
    {
      status: 'failed',
      detail: `${why}, which says its database does not answer (${ready.database?.reason ?? 'no reason given'})`,
      fix: 'Read that process’s log, and restart it.',
    },
    access,
  ];
}

async function checkMigrations(access: DatabaseAccess): Promise<CheckOutcome> {
  if (access.kind === 'none') return { status: 'skipped', detail: `not checked: ${access.why}` };
  const pending =
    access.kind === 'open'
      ? (await migrationStatus(access.db)).pending
      : (access.ready.migrations?.pending ?? null);
  if (pending === null)
    return {
      status: 'warning',
      detail:
        'the migration files are not beside this code: which ones are applied is all that is known',
    };
  if (pending.length === 0) return { status: 'passed', detail: 'every migration is applied' };
  return {
    status: 'failed',
    detail: `${pending.length} migration(s) pending:`,
    lines: pending,
    fix: "Run 'stridesync migrate' (safe beside running processes) before starting this version; 'stridesync start' migrates by itself.",
  };
}

/** Each external service this install uses, as WEATHER_PROVIDER and PLACE_PROVIDER choose them. */
function serviceChecks(config: Config, endpoints: ServiceEndpoints, noAnswer: NoAnswer): Check[] {
  const weather = endpoints.weather;
  const checks: Check[] = [['strava', () => probeStrava(endpoints.strava, noAnswer)]];
  const owmForWeather = weather.provider !== 'open-meteo' && weather.openWeatherApiKey;
  const owmForPlaces = weather.placeProvider === 'openweathermap' && weather.openWeatherApiKey;
  if (weather.openWeatherApiKey && (owmForWeather || owmForPlaces)) {
    const apiKey = weather.openWeatherApiKey;
    checks.push([
      'openweathermap',
      () =>
        probeOpenWeatherMap(
          { apiUrl: weather.openWeatherApiUrl, apiKey, forWeather: Boolean(owmForWeather) },
          noAnswer,
        ),
    ]);
  }
  if (weather.provider !== 'openweathermap')
    checks.push([
      'open-meteo',
      () =>
        probeOpenMeteo(
          { archiveUrl: weather.openMeteoArchiveUrl, apiKey: weather.openMeteoApiKey },
          noAnswer,
        ),
    ]);
  if (weather.placeProvider === 'nominatim' || weather.placeProvider === 'openweathermap')
    checks.push([
      'nominatim',
      () =>
        probeNominatim(
          {
            baseUrl: weather.nominatimUrl,
            userAgent: stridesyncUserAgent(config.publicUrl, packageJson.version),
          },
          noAnswer,
        ),
    ]);
  else checks.push(['places', () => probeGazetteer()]);
  return checks;
}

/**
 * In demo mode the simulators live inside `stridesync start`: nothing answering there means it
 * is not running, which is no fault of the configuration.
 */
function demoNoAnswer(endpoints: ServiceEndpoints): NoAnswer {
  const simulators = new URL(endpoints.strava.oauthUrl).origin;
  return (variable, url, error) => {
    // An OpenWeatherMap key in demo mode means the real one: its silence is a failure.
    if (new URL(url).origin !== simulators) return unreachableService(variable, url, error);
    return {
      status: 'warning',
      detail: `demo mode: the simulator at ${url} does not answer (${noAnswerReason(error)})`,
      fix: `The demo's simulators run inside 'stridesync start' (npm start) at ${simulators}: start it, then run doctor again.`,
    };
  };
}

/**
 * Strava's push subscription: what Strava lists for the application (the API answering with
 * its client id and secret), against the one stored and the callback this install serves.
 */
async function checkWebhook(
  config: Config,
  endpoints: ServiceEndpoints,
  access: DatabaseAccess,
): Promise<CheckOutcome> {
  if (config.mode === 'demo')
    return {
      status: 'skipped',
      detail: 'demo mode: no Strava application to subscribe; the demo syncs on demand',
    };
  const callbackUrl = `${config.publicUrl}/api/strava/webhook`;
  const subscribe = `stridesync strava subscribe --callback-url ${callbackUrl} (with STRAVA_WEBHOOK_VERIFY_TOKEN set and the API served there)`;
  let listed: Awaited<ReturnType<ReturnType<typeof createPushSubscriptionsApi>['list']>>;
  try {
    listed = await createPushSubscriptionsApi(endpoints.strava).list();
  } catch (error) {
    const appError = toAppError(error);
    return {
      status: 'failed',
      detail: `${appError.userMessage} (${appError.message})`,
      fix:
        appError.failureType === 'config'
          ? (appError.hint ?? '')
          : 'Check STRAVA_API_URL (default https://www.strava.com/api/v3), or try again later.',
    };
  }
  const stored: PushSubscription | undefined | 'unknown' =
    access.kind === 'open' ? await pushSubscriptionStore.load(access.db) : 'unknown';
  const atStrava = listed[0];
  if (!atStrava) {
    if (stored && stored !== 'unknown')
      return {
        status: 'failed',
        detail: `subscription ${stored.id} is stored, but Strava has none for this application: no event arrives`,
        fix: `stridesync strava unsubscribe, then ${subscribe}`,
      };
    return {
      status: 'warning',
      detail: 'no push subscription: new runs arrive only with the scheduled syncs',
      fix: subscribe,
    };
  }
  if (atStrava.callbackUrl !== callbackUrl)
    return {
      status: 'failed',
      detail: `Strava's subscription ${atStrava.id} calls back ${atStrava.callbackUrl}, not ${callbackUrl} (PUBLIC_URL)`,
      fix: `Set PUBLIC_URL to the site Strava calls back, or stridesync strava unsubscribe, then ${subscribe}`,
    };
  if (stored === 'unknown')
    return {
      status: 'passed',
      detail: `Strava's subscription ${atStrava.id} calls back ${callbackUrl} (the stored id was not read: ${access.kind === 'none' ? access.why : 'the embedded database is held by the server'})`,
    };
  if (stored?.id !== atStrava.id)
    return {
      status: 'failed',
      detail: `Strava's subscription ${atStrava.id} is not the one stored (${stored ? stored.id : 'none'}): the webhook drops its events`,
      fix: `stridesync strava unsubscribe, then ${subscribe}`,
    };
  return {
    status: 'passed',
    detail: `subscription ${atStrava.id} calls back ${callbackUrl}, and is the one stored`,
  };
}
