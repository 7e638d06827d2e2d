import { loadConfig } from '../config.ts';
import { signAccessToken } from '../http/jwt.ts';
import { DEMO_USER } from '../runtime/demo-user.ts';
import { openRuntime, serveUntilStopped } from '../runtime/open-runtime.ts';
import type { CliCommand } from './command.ts';

/** How long the token printed for the demo user stays valid. */
const DEMO_TOKEN_TTL_S = 30 * 24 * 3600;

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Migrate and run the whole system locally (what `npm start` runs)',
  usage: `Usage: stridesync start

Runs stridesync on this machine: migrates the database (DATABASE_URL, or the embedded one in
STRIDESYNC_DATA_DIR, default .stridesync/), makes sure the local demo user exists when this
install signs its own tokens, and serves the API on 127.0.0.1:PORT (default 8787).
Data is kept across restarts. Stops cleanly on Ctrl-C.`,
  async run() {
    const config = loadConfig();
    const runtime = await openRuntime(config, { migrate: true });
    const where =
      config.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'DATABASE_URL';
    await serveUntilStopped(runtime, async (url) => {
      const lines = [
        `stridesync is running (${config.mode} mode, ${where})`,
        `  API:    ${url}/api`,
        `  Health: ${url}/api/health`,
      ];
      if (runtime.localJwtSecret) {
        const token = await signAccessToken(runtime.localJwtSecret, {
          sub: DEMO_USER.id,
          email: DEMO_USER.email,
          expiresInSeconds: DEMO_TOKEN_TTL_S,
        });
        lines.push(
          `  Signed in as ${DEMO_USER.email}; try: curl -H 'Authorization: Bearer ${token}' ${url}/api/me`,
        );
      }
      lines.push('Press Ctrl-C to stop.');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  },
};
