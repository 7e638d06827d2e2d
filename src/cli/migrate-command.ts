import { loadConfig } from '../config/config.ts';
import { migrate, migrateDown } from '../store/migrations.ts';
import { openDatabase } from '../store/open-database.ts';
import { type CliCommand, CliUsageError } from './command.ts';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (supabase/migrations), or roll back with --down',
  usage: `Usage: stridesync migrate [--down <version> [--allow-data-loss]]

Applies the pending files of supabase/migrations to the database the environment names
(DATABASE_URL, or the embedded database in STRIDESYNC_DATA_DIR), each in its own transaction,
recorded in supabase_migrations.schema_migrations as the Supabase CLI records them. On plain
Postgres and the embedded database it first adds the Supabase stand-ins of supabase/local.
Safe to run from several processes at once.

  --down <version>   roll back to <version>: every applied migration newer than it is undone
                     by its script in supabase/rollback, newest first, each in its own
                     transaction that also removes its record; <version> itself stays applied
                     (as with \`supabase db reset --version\`). 0 rolls back every migration.
  --allow-data-loss  let --down run scripts marked \`-- stridesync: destroys-data\`; without it
                     such a rollback changes nothing and names what each step would lose.`,
  options: {
    down: { type: 'string' },
    'allow-data-loss': { type: 'boolean' },
  },
  async run(values) {
    const down = values.down;
    const allowDataLoss = values['allow-data-loss'] === true;
    if (allowDataLoss && typeof down !== 'string') {
      throw new CliUsageError('--allow-data-loss goes with --down <version>');
    }
    const config = loadConfig();
    const db = await openDatabase(config.database, { max: 1 });
    try {
      if (typeof down === 'string') {
        const report = await migrateDown(db, down, { allowDataLoss });
        for (const name of report.rolledBack) process.stdout.write(`Rolled back ${name}\n`);
        process.stdout.write(
          `Database is at ${down === '0' ? 'no migration' : down}: ${report.rolledBack.length} rolled back now, ${report.alreadyRolledBack} already rolled back.\n`,
        );
        return;
      }
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
