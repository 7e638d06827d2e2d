import { randomUUID } from 'node:crypto';

/**
 * The correlation id of this command-line run: one process runs one command, so one id names
 * it. A failure prints it and logs it on the same line; a sync this process starts carries it,
 * so the runner's log lines and the session's timeline are found by it too.
 */
export const CLI_CORRELATION_ID = `cli-${randomUUID()}`;
