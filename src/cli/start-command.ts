import { loadConfig } from '../config/config.ts';
import { signAccessToken } from '../http/jwt.ts';
import { ensurePortFree } from '../http/node-server.ts';
import { startWorkers, type Workers } from '../queue/start-workers.ts';
import { announceLocalServer } from '../store/data-dir-lock.ts';
import { DEMO_USER } from '../wiring/node/demo-user.ts';
import { openRuntime, serveUntilStopped } from '../wiring/node/open-runtime.ts';
import { alertsOf, enrichmentOf, syncDepsOf } from '../wiring/sync-deps-of.ts';
import type { CliCommand } from './command.ts';

/** How long the token printed for the demo user stays valid. */
const DEMO_TOKEN_TTL_S = 30 * 24 * 3600;

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Migrate and run the whole system locally (what `npm start` runs)',
  usage: `Usage: stridesync start

Runs stridesync on this machine: migrates the database (DATABASE_URL, or the embedded one in
STRIDESYNC_DATA_DIR, default .stridesync/), makes sure the local demo user exists when this
install signs its own tokens, serves the API on 127.0.0.1:PORT (default 8787), and works the
sync queue in the same process (what 'stridesync worker' does elsewhere).
Data is kept across restarts. Stops cleanly on Ctrl-C.`,
  async run() {
    const config = loadConfig();
    await ensurePortFree(config.port);
    const runtime = await openRuntime(config, { migrate: true });
    const where =
      config.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'DATABASE_URL';
    // The worker starts once the server listens (in demo mode, Strava is the simulator the
    // server serves) and stops before the database closes.
    let workers: Workers | undefined;
    const withWorkers = {
      ...runtime,
      async close() {
        await workers?.stop();
        await runtime.close();
      },
    };
    await serveUntilStopped(withWorkers, async (url, served) => {
      workers = await startWorkers(syncDepsOf(runtime), {
        ...config.worker,
        enrichment: enrichmentOf(runtime),
        ...alertsOf(runtime),
      });
      // `stridesync sync` run beside this server asks it to work the syncs it starts.
      if (config.database.kind === 'pglite')
        announceLocalServer(config.database.dataDir, url, true);
      const lines = [
        `stridesync is running (${config.mode} mode, ${where})`,
        ...(served.dashboard ? [`  Dashboard: ${url}/`] : []),
        `  API:    ${url}/api`,
        `  Health: ${url}/api/health`,
        `  Worker: ${workers.owner} works the sync queue in this process`,
      ];
      if (runtime.localJwtSecret) {
        const token = await signAccessToken(runtime.localJwtSecret, {
          sub: DEMO_USER.id,
          email: DEMO_USER.email,
          expiresInSeconds: DEMO_TOKEN_TTL_S,
        });
        lines.push(
          `  Signed in as ${DEMO_USER.email}; try: curl -H 'Authorization: Bearer ${token}' ${url}/api/me`,
          `  Demo user: ${DEMO_USER.id} (beside this server: stridesync sync --user ${DEMO_USER.id}, status, inspect <session>)`,
        );
      }
      lines.push('Press Ctrl-C to stop.');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  },
};
