import { loadConfig } from '../config/config.ts';
import { ensurePortFree } from '../http/node-server.ts';
import { openRuntime, serveUntilStopped } from '../wiring/node/open-runtime.ts';
import type { CliCommand } from './command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the HTTP API on PORT (the database must already be migrated)',
  usage: `Usage: stridesync serve

Serves the HTTP API, and the dashboard at /, on 127.0.0.1:PORT (default 8787) over the
database the environment names.
It does not migrate: run 'stridesync migrate' first, or use 'stridesync start' locally.
Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.`,
  async run() {
    const config = loadConfig();
    await ensurePortFree(config.port);
    const runtime = await openRuntime(config, { migrate: false });
    await serveUntilStopped(runtime, (url, served) => {
      process.stdout.write(`stridesync API listening on ${url} (health: ${url}/api/health)\n`);
      if (served.dashboard) process.stdout.write(`Dashboard: ${url}/\n`);
    });
  },
};
