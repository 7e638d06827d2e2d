import { z } from 'zod';
import { loadConfig } from '../config/config.ts';
import { KNOWN_FLAGS } from '../core/feature-flags.ts';
import type { Database } from '../store/database.ts';
import {
  FLAG_CACHE_MS,
  type FlagChange,
  featureFlagStore,
  type StoredFlag,
} from '../store/feature-flags.ts';
import { openDatabase } from '../store/open-database.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';

const USAGE = `Usage: stridesync flags <list|set|off> [flag] [options]

Feature flags switch parts of stridesync per user without a deploy. A flag with no row is on
for everyone (what stridesync did before flags). Flags the code reads:
${KNOWN_FLAGS.map((key) => `  ${key}`).join('\n')}
(a provider's flag is provider:<name>; weather-enrichment and place-enrichment turn the whole
half off, periodic-syncs the scheduled incremental and reconcile syncs).

  list
      Every stored flag: on or off, percentage, allow and deny lists.
  set <flag> [--percent <0-100>] [--allow <ids>] [--deny <ids>]
      Switch the flag on for --percent % of users (chosen by a stable hash of the user id:
      raising it only adds users), always for the --allow users and never for the --deny
      users (comma-separated user ids; '' empties a list). Unset options keep their values; a
      new flag starts at 0 % with empty lists.
  off <flag>
      Off for everyone at once, allowed users included (0 %; the lists are kept for the next
      set). This process sees it at once; running servers and workers within ${FLAG_CACHE_MS / 1000} s, the
      time they keep the flags they read.`;

const userIds = z.array(z.uuid());

export const flagsCommand: CliCommand = {
  name: 'flags',
  summary: 'Feature flags: list, set a rollout (percent, allow, deny), switch one off',
  usage: USAGE,
  options: {
    percent: { type: 'string' },
    allow: { type: 'string' },
    deny: { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  async run(values, positionals) {
    const [action, key] = positionals;
    if (action !== 'list' && action !== 'set' && action !== 'off')
      throw new CliUsageError(`unknown flags command '${action}'`);
    if (action === 'list' && key !== undefined) throw new CliUsageError('list takes no flag');
    if (action !== 'list' && key === undefined) throw new CliUsageError(`${action} needs a flag`);
    const change = changeOf(action, values);
    const config = loadConfig();
    const db = await openDatabase(config.database, { max: 1 });
    try {
      if (action === 'list') return await list(db);
      return await apply(db, action, key as string, change);
    } finally {
      await db.close();
    }
  },
};

function changeOf(action: string, values: CliValues): FlagChange {
  const given = ['percent', 'allow', 'deny'].filter((name) => values[name] !== undefined);
  if (action !== 'set') {
    if (given.length > 0) throw new CliUsageError(`--${given[0]} is for set only`);
    return {};
  }
  const change: FlagChange = {};
  if (typeof values.percent === 'string') {
    const percent = Number(values.percent);
    if (!/^\d{1,3}$/.test(values.percent) || percent > 100)
      throw new CliUsageError(
        `--percent must be a whole number from 0 to 100, got '${values.percent}'`,
      );
    change.rolloutPercent = percent;
  }
  for (const name of ['allow', 'deny'] as const) {
    const text = values[name];
    if (typeof text !== 'string') continue;
    const ids = text
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (!userIds.safeParse(ids).success)
      throw new CliUsageError(`--${name} takes comma-separated user ids (UUIDs), got '${text}'`);
    change[name] = ids.map((id) => id.toLowerCase());
  }
  return change;
}

async function list(db: Database) {
  const stored = await featureFlagStore.list(db);
  const byKey = new Map(stored.map((flag) => [flag.key, flag]));
  for (const key of KNOWN_FLAGS)
    if (!byKey.has(key)) process.stdout.write(`${key}  on for everyone (no row)\n`);
  for (const flag of stored) process.stdout.write(`${describe(flag)}\n`);
  return 0;
}

async function apply(db: Database, action: 'set' | 'off', key: string, change: FlagChange) {
  if (!KNOWN_FLAGS.includes(key) && !key.startsWith('provider:'))
    process.stderr.write(`Note: no code reads '${key}' yet (known: ${KNOWN_FLAGS.join(', ')}).\n`);
  // Written straight to the table: anything this process reads next sees it.
  const saved =
    action === 'off'
      ? await featureFlagStore.off(db, key)
      : await featureFlagStore.set(db, key, change);
  process.stdout.write(`${describe(saved)}\n`);
  process.stdout.write(
    `Running servers and workers see it within ${FLAG_CACHE_MS / 1000} s (they keep flags that long).\n`,
  );
  return 0;
}

function describe(flag: StoredFlag): string {
  const state = flag.enabled ? `on for ${flag.rolloutPercent} %` : 'off for everyone';
  const lists = [
    flag.allow.length > 0 ? `allow ${flag.allow.join(',')}` : '',
    flag.deny.length > 0 ? `deny ${flag.deny.join(',')}` : '',
  ].filter(Boolean);
  return `${flag.key}  ${state}${lists.length > 0 ? `; ${lists.join('; ')}` : ''}`;
}
