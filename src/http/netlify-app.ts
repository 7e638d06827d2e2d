import packageJson from '../../package.json' with { type: 'json' };
import { type Config, loadConfig } from '../config.ts';
import { systemClock } from '../core/clock.ts';
import { ConfigError } from '../core/errors.ts';
import { createLogger } from '../observability/logger.ts';
import { openJobQueue } from '../queue/job-queue.ts';
import { createStravaDeps } from '../runtime/strava-deps.ts';
import { createApiLedger } from '../store/api-ledger.ts';
import type { Database } from '../store/database.ts';
import { openDatabase } from '../store/open-database.ts';
import { createTokenCipher } from '../strava/token-crypto.ts';
import { type AppDeps, createApp } from './app.ts';
import { createJwtVerifier } from './jwt.ts';

type Env = Record<string, string | undefined>;

/**
 * The app as a Netlify function serves it: configuration from `env`, one pooled connection.
 * `DATABASE_URL` and `SUPABASE_JWT_SECRET` are required here: without them the app would quietly
 * serve an embedded database that dies with the instance, and accept no one's token.
 */
export async function buildNetlifyApp(env: Env = process.env) {
  const config = loadConfig(env);
  const jwtSecret = config.supabase.jwtSecret;
  const missing = [
    ...(config.database.kind === 'postgres' ? [] : ['DATABASE_URL']),
    ...(jwtSecret ? [] : ['SUPABASE_JWT_SECRET']),
  ];
  if (missing.length > 0 || !jwtSecret) throw missingConfiguration(missing);

  const logger = createLogger(config.logLevel);
  // A function instance serves one request at a time: a bigger pool per instance would only add
  // to the connections many instances open on Supabase's pooler.
  const db = await openDatabase(config.database, {
    max: 1,
    onError: (error) => logger.error({ err: error }, 'database connection failed'),
  });
  const deps: AppDeps = {
    db,
    clock: systemClock,
    logger,
    auth: createJwtVerifier({ secret: jwtSecret }),
    version: packageJson.version,
    webhookVerifyToken: config.strava.webhookVerifyToken,
    corsOrigins: config.corsOrigins,
    // Functions send jobs; the workers work them (`stridesync worker`).
    queue: await openJobQueue(db, { logger, work: false }),
    ...(config.mode === 'live' ? { strava: stravaDeps(config, db, jwtSecret) } : {}),
  };
  return createApp(deps);
}

/** With real credentials (config guarantees TOKEN_ENCRYPTION_KEY then), the Strava routes too. */
function stravaDeps(config: Config, db: Database, jwtSecret: string) {
  return createStravaDeps({
    db,
    clock: systemClock,
    ledger: createApiLedger(db, systemClock),
    endpoints: {
      apiUrl: config.strava.apiUrl,
      oauthUrl: config.strava.oauthUrl,
      clientId: config.strava.clientId as string,
      clientSecret: config.strava.clientSecret as string,
    },
    tokenCipher: createTokenCipher(config.tokenEncryptionKeys ?? []),
    serverSecret: jwtSecret,
    publicUrl: config.publicUrl,
  });
}

function missingConfiguration(names: readonly string[]): ConfigError {
  const list = names.join(' and ');
  return new ConfigError({
    code: 'missing_configuration',
    userMessage: `The server is not configured: ${list} ${names.length > 1 ? 'are' : 'is'} not set.`,
    hint: `Set ${list} in the Netlify site's environment variables and redeploy.`,
  });
}
