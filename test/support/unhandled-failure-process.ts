/**
 * A separate OS process with the CLI's process-level handlers installed, which then fails in a
 * way nothing catches. argv: <kind>
 * - `rejection`: a promise nobody awaits rejects.
 * - `lost-connection`: an 'error' event nobody listens to, carrying pg's lost-connection error.
 * - `bug`: a plain exception thrown from a timer.
 * Prints `still serving` a little later if the process is still alive.
 */

import { EventEmitter } from 'node:events';
import { installProcessHandlers } from '../../src/cli.ts';
import { createLogger } from '../../src/observability/logger.ts';

const [kind] = process.argv.slice(2) as [string];
installProcessHandlers(createLogger('info'));

setTimeout(() => {
  if (kind === 'rejection') void Promise.reject(new Error('nobody awaited this'));
  if (kind === 'lost-connection') {
    new EventEmitter().emit('error', new Error('Connection terminated unexpectedly'));
  }
  if (kind === 'bug') throw new Error('a bug');
}, 10);
setTimeout(() => process.stdout.write('still serving\n'), 300);
