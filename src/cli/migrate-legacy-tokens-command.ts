import { loadConfig } from '../config/config.ts';
import { LEGACY_KEYS, migrateLegacyTokens } from '../strava/legacy-tokens.ts';
import { openRuntime } from '../wiring/node/open-runtime.ts';
import type { CliCommand } from './command.ts';

export const migrateLegacyTokensCommand: CliCommand = {
  name: 'migrate-legacy-tokens',
  summary: 'Move Strava tokens kept in Supabase user metadata into the encrypted table',
  usage: `Usage: stridesync migrate-legacy-tokens [--dry-run]

Older versions kept Strava tokens in auth.users.raw_user_meta_data (${LEGACY_KEYS.join(', ')}),
where the user's browser could read them. This moves them into strava_connections, encrypted
with TOKEN_ENCRYPTION_KEY, and removes them from the metadata, one user per transaction.
Users who are already connected the new way only lose the old keys. Metadata that cannot be
moved (no refresh token, no athlete id) is left untouched and reported. Safe to run again.

Options:
  --dry-run   Report what would happen; change nothing.`,
  options: { 'dry-run': { type: 'boolean' } },
  async run(values) {
    const runtime = await openRuntime(loadConfig(), { migrate: false });
    try {
      const report = await migrateLegacyTokens(runtime.db, runtime.strava.store, {
        dryRun: values['dry-run'] === true,
      });
      const verb = report.dryRun ? 'Would move' : 'Moved';
      process.stdout.write(
        `${report.found} user(s) with legacy Strava tokens. ${verb} ${report.migrated}; ` +
          `${report.alreadyConnected} already connected (legacy keys ${report.dryRun ? 'would be ' : ''}removed); ` +
          `${report.skipped.length} left as they are.\n`,
      );
      for (const { userId, reason } of report.skipped)
        process.stdout.write(`  skipped ${userId}: ${reason}\n`);
    } finally {
      await runtime.close();
    }
  },
};
