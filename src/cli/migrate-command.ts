import { loadConfig } from '../config/config.ts';
import { migrate } from '../store/migrations.ts';
import { openDatabase } from '../store/open-database.ts';
import type { CliCommand } from './command.ts';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (supabase/migrations) and exit',
  usage: `Usage: stridesync migrate

Applies the pending files of supabase/migrations to the database the environment names
(DATABASE_URL, or the embedded database in STRIDESYNC_DATA_DIR), each in its own transaction,
recorded in supabase_migrations.schema_migrations as the Supabase CLI records them. On plain
Postgres and the embedded database it first adds the Supabase stand-ins of supabase/local.
Safe to run from several processes at once.`,
  async run() {
    const config = loadConfig();
    const db = await openDatabase(config.database, { max: 1 });
    try {
      const report = await migrate(db);
      if (report.emulatedSupabase)
        process.stdout.write('Added the Supabase stand-ins (supabase/local).\n');
      for (const name of report.applied) process.stdout.write(`Applied ${name}\n`);
      process.stdout.write(
        `Database is up to date: ${report.applied.length} applied now, ${report.alreadyApplied} already applied.\n`,
      );
    } finally {
      await db.close();
    }
  },
};
