import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '../config/config.ts';
import { signAccessToken, supabaseIssuer } from '../http/jwt.ts';
import {
  CHECK_TIMEOUT_MS,
  type Check,
  type CheckOutcome,
  noAnswerReason,
  runChecks,
} from './check-report.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';

const USAGE = `Usage: stridesync verify --url <site> [options]

A smoke test after a deploy: asks the deployed site what a runner, Strava and a scraper would
ask, and prints each check as passed or FAILED with what to fix. Exits 1 unless every check
passed; a check that could not run for want of a secret (skipped) counts as not passed, since
nothing was verified.

  health       GET /api/health answers status ok.
  readiness    GET /api/health/ready answers 200.
  auth         GET /api/me with a sign-in token answers the token's user. The token: --token,
               else one signed here with SUPABASE_JWT_SECRET (and SUPABASE_URL's issuer).
  webhook      The Strava webhook handshake (GET /api/strava/webhook?hub.mode=subscribe&…)
               echoes a random hub.challenge. The verify token: --verify-token, else
               STRAVA_WEBHOOK_VERIFY_TOKEN.
  cors         A preflight (OPTIONS /api/me) with Origin = the --url's origin is allowed.
  metrics      GET /api/metrics is refused without a token and served with it. The token:
               --metrics-token, else METRICS_TOKEN.

Options:
  --url <site>            The deployed site, e.g. https://stridesync.example.org
  --token <jwt>           A runner's sign-in token for the auth check
  --verify-token <token>  The webhook verify token
  --metrics-token <token> The metrics token`;

interface Secrets {
  token?: string;
  jwtSecret?: string;
  issuer?: string;
  verifyToken?: string;
  metricsToken?: string;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'Smoke-test a deployed site: health, readiness, auth, webhook, CORS, metrics',
  usage: USAGE,
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    'verify-token': { type: 'string' },
    'metrics-token': { type: 'string' },
  },
  async run(values) {
    const site = siteOf(values);
    const config = loadConfig();
    const secrets: Secrets = {
      token: stringOf(values.token),
      jwtSecret: config.supabase.jwtSecret,
      issuer: config.supabase.url ? supabaseIssuer(config.supabase.url) : undefined,
      verifyToken: stringOf(values['verify-token']) ?? config.strava.webhookVerifyToken,
      metricsToken: stringOf(values['metrics-token']) ?? config.metricsToken,
    };
    const checks: Check[] = [
      ['health', () => checkHealth(site)],
      ['readiness', () => checkReadiness(site)],
      ['auth', () => checkAuth(site, secrets)],
      ['webhook', () => checkWebhook(site, secrets.verifyToken)],
      ['cors', () => checkCors(site)],
      ['metrics', () => checkMetrics(site, secrets.metricsToken)],
    ];
    process.stdout.write(`Verifying ${site.origin}\n`);
    const tally = await runChecks(checks, (_name, error) => unreachable(site, error));
    // A check skipped for want of a secret verified nothing: it does not pass.
    const notPassed = checks.length - tally.passed;
    process.stdout.write(
      notPassed === 0
        ? `All ${checks.length} checks passed.\n`
        : `${notPassed} of ${checks.length} checks did not pass.\n`,
    );
    return notPassed === 0 ? 0 : 1;
  },
};

function stringOf(value: CliValues[string]): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function siteOf(values: CliValues): URL {
  const text = stringOf(values.url);
  if (!text) throw new CliUsageError('--url is required');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`--url must be an http(s) URL, got '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliUsageError(`--url must be an http(s) URL, got '${text}'`);
  return url;
}

function request(site: URL, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, site.origin), {
    redirect: 'manual',
    ...init,
    signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
  });
}

/** A request that got no answer at all: the site is down, the URL wrong, or the network. */
function unreachable(site: URL, error: unknown): CheckOutcome {
  return {
    status: 'failed',
    detail: `nothing answers at ${site.origin} (${noAnswerReason(error)})`,
    fix: 'check the URL and that the deploy is live (Netlify: Deploys shows it published)',
    stopsTheRest: 'the site does not answer',
  };
}

async function bodyText(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

async function checkHealth(site: URL): Promise<CheckOutcome> {
  const response = await request(site, '/api/health');
  const body = (await response.json().catch(() => null)) as { status?: string } | null;
  if (response.status === 200 && body?.status === 'ok') return { status: 'passed', detail: 'ok' };
  return {
    status: 'failed',
    detail: `answered ${response.status}${body?.status ? ` (status ${body.status})` : ''}`,
    fix: 'the API or its database is down: read the function log (Netlify: Logs → Functions) and check DATABASE_URL',
  };
}

async function checkReadiness(site: URL): Promise<CheckOutcome> {
  const response = await request(site, '/api/health/ready');
  if (response.status === 200) return { status: 'passed', detail: 'ready' };
  if (response.status === 404)
    return {
      status: 'failed',
      detail: 'readiness endpoint missing',
      fix: 'deploy a version with /api/health/ready',
    };
  return {
    status: 'failed',
    detail: `answered ${response.status}: ${await bodyText(response)}`,
    fix: 'the answer says what is not ready (migrations, database): fix it and verify again',
  };
}

async function checkAuth(site: URL, secrets: Secrets): Promise<CheckOutcome> {
  const sub = randomUUID();
  const token =
    secrets.token ??
    (secrets.jwtSecret
      ? await signAccessToken(secrets.jwtSecret, {
          sub,
          expiresInSeconds: 300,
          ...(secrets.issuer ? { issuer: secrets.issuer } : {}),
        })
      : undefined);
  if (!token)
    return {
      status: 'skipped',
      detail: 'no sign-in token',
      fix: "give --token (a runner's token) or set SUPABASE_JWT_SECRET to the project's secret",
    };
  const response = await request(site, '/api/me', {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json().catch(() => null)) as { id?: string } | null;
  const expected = secrets.token ? body?.id : sub;
  if (response.status === 200 && body?.id && body.id === expected)
    return { status: 'passed', detail: `GET /api/me answered user ${body.id}` };
  return {
    status: 'failed',
    detail: `GET /api/me answered ${response.status}`,
    fix: secrets.token
      ? 'the token was refused: sign in again for a fresh one, and check the site runs with the Supabase project the token is from'
      : "the site does not accept this SUPABASE_JWT_SECRET: set the project's JWT secret (Supabase: Project Settings → API) on the site and here",
  };
}

async function checkWebhook(site: URL, verifyToken: string | undefined): Promise<CheckOutcome> {
  if (!verifyToken)
    return {
      status: 'skipped',
      detail: 'no webhook verify token',
      fix: 'give --verify-token or set STRAVA_WEBHOOK_VERIFY_TOKEN',
    };
  const challenge = randomBytes(12).toString('hex');
  const query = new URLSearchParams({
    'hub.mode': 'subscribe',
    'hub.verify_token': verifyToken,
    'hub.challenge': challenge,
  });
  const response = await request(site, `/api/strava/webhook?${query}`);
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.status === 200 && body?.['hub.challenge'] === challenge)
    return { status: 'passed', detail: 'the handshake echoes hub.challenge' };
  return {
    status: 'failed',
    detail: `the handshake answered ${response.status}, not the challenge`,
    fix: 'set STRAVA_WEBHOOK_VERIFY_TOKEN on the site to the verify token given here, then redeploy',
  };
}

async function checkCors(site: URL): Promise<CheckOutcome> {
  const response = await request(site, '/api/me', {
    method: 'OPTIONS',
    headers: {
      origin: site.origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });
  const allowed = response.headers.get('access-control-allow-origin');
  if (allowed === site.origin)
    return { status: 'passed', detail: `${site.origin} may call the API` };
  return {
    status: 'failed',
    detail: `a preflight from ${site.origin} is not allowed (${response.status}, allow-origin ${allowed ?? 'none'})`,
    fix: `set PUBLIC_URL to ${site.origin} (or add it to CORS_ORIGINS) on the site, then redeploy`,
  };
}

async function checkMetrics(site: URL, metricsToken: string | undefined): Promise<CheckOutcome> {
  const open = await request(site, '/api/metrics');
  await open.body?.cancel();
  if (open.status === 200)
    return {
      status: 'failed',
      detail: 'GET /api/metrics is served without a token',
      fix: 'set METRICS_TOKEN (at least 16 characters) on the site, then redeploy',
    };
  if (!metricsToken)
    return {
      status: 'skipped',
      detail: `refused without a token (${open.status}); no metrics token to try`,
      fix: 'give --metrics-token or set METRICS_TOKEN',
    };
  const scraped = await request(site, '/api/metrics', {
    headers: { authorization: `Bearer ${metricsToken}` },
  });
  await scraped.body?.cancel();
  if (scraped.status === 200)
    return { status: 'passed', detail: 'refused without the token, served with it' };
  return {
    status: 'failed',
    detail: `refused without a token, and with the metrics token too (${scraped.status})`,
    fix: 'set METRICS_TOKEN on the site to the token given here (or give the site’s), then redeploy',
  };
}
