import { parseArgs } from 'node:util';
import { CLI_CORRELATION_ID } from './cli/cli-correlation.ts';
import { type CliCommand, CliUsageError } from './cli/command.ts';
import { doctorCommand } from './cli/doctor-command.ts';
import { flagsCommand } from './cli/flags-command.ts';
import { inspectCommand } from './cli/inspect-command.ts';
import { migrateCommand } from './cli/migrate-command.ts';
import { migrateLegacyTokensCommand } from './cli/migrate-legacy-tokens-command.ts';
import { serveCommand } from './cli/serve-command.ts';
import { simCommand } from './cli/sim-command.ts';
import { startCommand } from './cli/start-command.ts';
import { statsCommand } from './cli/stats-command.ts';
import { statusCommand } from './cli/status-command.ts';
import { stravaCommand } from './cli/strava-command.ts';
import { syncCommand } from './cli/sync-command.ts';
import { verifyCommand } from './cli/verify-command.ts';
import { workerCommand } from './cli/worker-command.ts';
import { AppError, TransientError, toAppError } from './core/errors.ts';
import { createLogger, LOG_LEVELS, type Logger } from './observability/logger.ts';
import { classifyDatabaseError } from './store/pg-database.ts';

/** `stridesync <command>`: every command, its one-line summary and its options. */
export const COMMANDS: readonly CliCommand[] = [
  startCommand,
  serveCommand,
  workerCommand,
  syncCommand,
  statusCommand,
  inspectCommand,
  statsCommand,
  migrateCommand,
  migrateLegacyTokensCommand,
  stravaCommand,
  flagsCommand,
  verifyCommand,
  doctorCommand,
  simCommand,
];

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`stridesync: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  installProcessHandlers(createLogger('info'));
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals !== undefined,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    const { min, max } = command.positionals ?? { min: 0, max: 0 };
    if (positionals.length < min || positionals.length > max) {
      throw new CliUsageError(
        `expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${positionals.length}`,
      );
    }
    return (await command.run(values, positionals)) ?? 0;
  } catch (error) {
    return reportFailure(command, error);
  }
}

let handlersInstalled = false;

/**
 * The last line of defence of every command, the long-running ones above all (start, serve,
 * worker, sync, sim): a failure nothing else caught is logged as one structured line, and the
 * process keeps serving where that is safe.
 *
 * - An unhandled rejection is a promise nobody awaited: the work it belonged to has already
 *   failed, and nothing was left half-done by the rejection itself. Logged; serving goes on.
 * - An uncaught exception that is a lost database or network connection (a socket's 'error'
 *   event with no listener left, as a failover produces) concerns only that connection, which
 *   is gone: logged as transient; serving goes on, and the next call opens a new one.
 * - Any other uncaught exception left the code that threw it half-way through, in a state
 *   nobody can vouch for: logged as fatal, and the process exits 1 for its supervisor (systemd,
 *   a container runtime, Netlify) to restart it.
 */
export function installProcessHandlers(logger: Logger): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('unhandledRejection', (reason) => {
    const error = classifyDatabaseError(reason) ?? toAppError(reason);
    logger.error(
      { err: reason, code: error.code, failureType: error.failureType },
      'unhandled rejection (a promise nobody awaited failed); still serving',
    );
  });
  process.on('uncaughtException', (thrown, origin) => {
    const lost = classifyDatabaseError(thrown);
    if (lost instanceof TransientError) {
      logger.error(
        { err: thrown, code: lost.code, failureType: lost.failureType, origin },
        'uncaught connection error (a lost connection nobody was listening to); still serving',
      );
      return;
    }
    const error = toAppError(thrown);
    logger.fatal(
      { err: thrown, code: error.code, failureType: error.failureType, origin },
      'uncaught exception: the process state is unknown, exiting',
    );
    process.exit(1);
  });
}

function reportFailure(command: CliCommand, error: unknown): number {
  if (
    error instanceof CliUsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(
      `stridesync ${command.name}: ${(error as Error).message}\n\n${command.usage}\n`,
    );
    return 2;
  }
  const appError = classifyDatabaseError(error) ?? toAppError(error);
  // One log line, then the words for the person at the terminal, both with the run's correlation
  // id. Someone must act on a config failure (a warning); anything else is an error.
  failureLogger()[appError.failureType === 'config' ? 'warn' : 'error'](
    { err: error, code: appError.code, failureType: appError.failureType },
    `stridesync ${command.name} failed`,
  );
  process.stderr.write(`stridesync ${command.name}: ${appError.userMessage}\n`);
  if (appError.hint) process.stderr.write(`${appError.hint}\n`);
  if (!(error instanceof AppError)) process.stderr.write(`(${appError.message})\n`);
  process.stderr.write(`(correlation id ${CLI_CORRELATION_ID})\n`);
  return 1;
}

/** The failure's logger; LOG_LEVEL is read leniently, since the configuration may be what failed. */
function failureLogger(): Logger {
  const wanted = process.env.LOG_LEVEL?.trim();
  const level = LOG_LEVELS.find((l) => l === wanted) ?? 'info';
  // On stderr, with the message it goes with: stdout carries the command's own output.
  const toStderr = { write: (line: string) => process.stderr.write(line) };
  return createLogger(level, toStderr).child({ correlationId: CLI_CORRELATION_ID });
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: stridesync <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'stridesync <command> --help' for a command's options.\n`;
}
