import { type Clock, systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';

export const JWT_SECRET = 'a-test-jwt-secret-of-at-least-32-characters';
export const USER_ID = '7d3c1e9a-5b2f-4c8e-9a1d-2f6b8c0e4a71';

/**
 * The production app over `db`, with a silent logger unless a test wants to read the log, on
 * the system clock unless a test pins "now".
 */
export function testApp(
  db: Database,
  logger: Logger = createLogger('silent'),
  clock: Clock = systemClock,
) {
  return createApp({
    db,
    clock,
    logger,
    auth: createJwtVerifier({ secret: JWT_SECRET }),
    version: 'test',
  });
}

/** Collects pino's JSON lines so a test can assert what was (and was not) logged. */
export function captureLogs() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return {
    logger,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface ErrorBodyShape {
  error: {
    code: string;
    message: string;
    hint: string;
    fields?: { path: string; message: string }[];
  };
}

export async function errorOf(response: Response): Promise<ErrorBodyShape['error']> {
  const body = (await response.json()) as ErrorBodyShape;
  return body.error;
}
