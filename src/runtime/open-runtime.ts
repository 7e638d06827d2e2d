import packageJson from '../../package.json' with { type: 'json' };
import type { Config } from '../config.ts';
import { createApp } from '../http/app.ts';
import { createJwtVerifier, type JwtVerifier } from '../http/jwt.ts';
import { startServer } from '../http/node-server.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { migrate } from '../store/migrations.ts';
import { openDatabase } from '../store/open-database.ts';
import { createTokenCipher, type TokenCipher } from '../strava/token-crypto.ts';
import { ensureDemoUser } from './demo-user.ts';
import { loadOrCreateLocalSecrets } from './local-secrets.ts';

/**
 * Everything a long-running process (`serve`, `start`, later `worker`) shares: configuration,
 * logger, database and token verifier. The Netlify function builds its own, leaner set.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  auth: JwtVerifier;
  /** Set when this install signs its own users' tokens (no SUPABASE_JWT_SECRET). */
  localJwtSecret: string | undefined;
  /** Seals Strava tokens: TOKEN_ENCRYPTION_KEY, or the key kept in the data directory (demo). */
  tokenCipher: TokenCipher;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, options: { migrate: boolean }): Promise<Runtime> {
  const logger = createLogger(config.logLevel);
  const localSecrets =
    config.supabase.jwtSecret && config.tokenEncryptionKeys
      ? undefined
      : loadOrCreateLocalSecrets(config.dataDir);
  const localJwtSecret = config.supabase.jwtSecret ? undefined : localSecrets?.jwtSecret;
  const tokenCipher = createTokenCipher(
    config.tokenEncryptionKeys ?? [
      { version: 1, key: Buffer.from(localSecrets?.tokenEncryptionKey ?? '', 'base64') },
    ],
  );
  const db = await openDatabase(config.database, {
    onError: (error) => logger.error({ err: error }, 'database connection failed'),
  });
  try {
    if (options.migrate) {
      const report = await migrate(db);
      logger.info(report, 'database migrated');
    }
    // Without Supabase Auth, the local install has one user to sign in as: the demo runner.
    if (localJwtSecret) await ensureDemoUser(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    config,
    logger,
    db,
    auth: createJwtVerifier({ secret: config.supabase.jwtSecret ?? (localJwtSecret as string) }),
    localJwtSecret,
    tokenCipher,
    close: () => db.close(),
  };
}

/** Serves the API until SIGINT/SIGTERM, then closes the server and the database in order. */
export async function serveUntilStopped(
  runtime: Runtime,
  onListening: (url: string) => void | Promise<void>,
): Promise<void> {
  const app = createApp({
    db: runtime.db,
    logger: runtime.logger,
    auth: runtime.auth,
    version: packageJson.version,
  });
  const server = await startServer(app, { port: runtime.config.port });
  await onListening(server.url);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      runtime.logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await runtime.close();
}
