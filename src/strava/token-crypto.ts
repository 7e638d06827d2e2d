import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, SystemError } from '../core/errors.ts';

/**
 * Strava tokens at rest: AES-256-GCM with a random 96-bit IV per value, stored as base64 of
 * `iv ‖ auth tag ‖ ciphertext` beside the version of the key that sealed it. The first key of the
 * list seals; any key of the list opens, so a key can be rotated by putting the new one first
 * and re-sealing at leisure (every refresh re-seals with the newest key).
 *
 * The associated data binds a ciphertext to its user and column: a value copied into another
 * user's row, or from the access-token column to the refresh-token column, fails to open.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One key of TOKEN_ENCRYPTION_KEY: 32 bytes and the version stored beside what it sealed. */
export interface EncryptionKey {
  version: number;
  key: Buffer;
}

export interface SealedToken {
  ciphertext: string;
  keyVersion: number;
}

export interface TokenCipher {
  seal(plaintext: string, context: string): SealedToken;
  open(sealed: SealedToken, context: string): string;
  readonly currentVersion: number;
}

export function createTokenCipher(keys: readonly EncryptionKey[]): TokenCipher {
  const [current] = keys;
  if (!current) {
    throw new ConfigError({
      code: 'token_key_missing',
      userMessage: 'No key is configured to encrypt Strava tokens.',
      hint: 'Set TOKEN_ENCRYPTION_KEY (generate one with `openssl rand -base64 32`).',
    });
  }
  const byVersion = new Map(keys.map((k) => [k.version, k.key]));
  return {
    currentVersion: current.version,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'),
        keyVersion: current.version,
      };
    },
    open({ ciphertext, keyVersion }, context) {
      const key = byVersion.get(keyVersion);
      if (!key) {
        throw new ConfigError({
          code: 'token_key_unknown',
          userMessage: `A stored Strava token was sealed with key version ${keyVersion}, which is not configured.`,
          hint: 'Add that key back to TOKEN_ENCRYPTION_KEY (as `version:key`), or have the user reconnect Strava.',
        });
      }
      const raw = Buffer.from(ciphertext, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch (cause) {
        // Never include the ciphertext or the key: only that it failed, and where.
        throw new SystemError({
          code: 'token_decrypt_failed',
          userMessage: 'A stored Strava token could not be read.',
          hint: 'Reconnect Strava; if it happens to every user, check TOKEN_ENCRYPTION_KEY.',
          detail: `token failed authentication (key version ${keyVersion}, context ${context})`,
          cause,
        });
      }
    },
  };
}
