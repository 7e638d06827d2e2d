import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

/**
 * Secrets a laptop install makes for itself, so `npm start` needs no set-up: the key that signs
 * the local users' session tokens (standing in for SUPABASE_JWT_SECRET) and the key that encrypts
 * Strava tokens (standing in for TOKEN_ENCRYPTION_KEY). Kept in the data directory, readable by
 * the owner only, so tokens and stored connections survive restarts. Never used where the
 * environment provides the real ones.
 */
export interface LocalSecrets {
  jwtSecret: string;
  tokenEncryptionKey: string;
}

const secretsSchema = z.object({
  jwtSecret: z.string().min(32),
  tokenEncryptionKey: z.string().min(40),
});

export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const secrets: LocalSecrets = {
      jwtSecret: randomBytes(32).toString('base64url'),
      tokenEncryptionKey: randomBytes(32).toString('base64'),
    };
    mkdirSync(dataDir, { recursive: true });
    // 'wx': if another process created the file first, fail and read theirs instead.
    try {
      writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return secrets;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      text = readFileSync(file, 'utf8');
    }
  }
  const parsed = secretsSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new ConfigError({
      code: 'local_secrets_unreadable',
      userMessage: `${file} is damaged and cannot be read.`,
      hint:
        'Restore it from a backup, or delete it to make new secrets (signed-in sessions end and ' +
        'Strava must be connected again).',
    });
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
