import pino, { type Logger } from 'pino';
import { currentLogContext } from './log-context.ts';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths that may carry a secret. pino replaces them before a line is written, so a token that
 * slips into a log call still never reaches the log.
 */
const REDACTED_PATHS = [
  'access_token',
  'refresh_token',
  '*.access_token',
  '*.refresh_token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'client_secret',
  '*.client_secret',
];

/**
 * Structured JSON logs; every line about a request or job carries its `correlationId`: bound on
 * a child logger, or, for a line written by a shared part inside a request or a run, taken from
 * the work's log context (`withLogContext`).
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'stridesync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: (_line, _level, logger) => contextNotBound(logger.bindings()),
    },
    destination,
  );
}

/** The work's context, less what the logger binds already (a key written twice is not JSON's). */
function contextNotBound(bound: Record<string, unknown>): object {
  const context = currentLogContext();
  if (!context) return {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(context))
    if (value !== undefined && !(key in bound)) fields[key] = value;
  return fields;
}
