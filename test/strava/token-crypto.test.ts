import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, SystemError } from '../../src/core/errors.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';

const keyV1 = { version: 1, key: randomBytes(32) };
const keyV2 = { version: 2, key: randomBytes(32) };
const TOKEN = 'deadbeefd7ab44704fb2a146bd98c7a349a2b43d';

describe('token cipher', () => {
  it('seals with a fresh IV each time and opens what it sealed', () => {
    const cipher = createTokenCipher([keyV1]);
    const a = cipher.seal(TOKEN, 'user-1:access');
    const b = cipher.seal(TOKEN, 'user-1:access');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain(TOKEN);
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain(TOKEN);
    expect(cipher.open(a, 'user-1:access')).toBe(TOKEN);
    expect(a.keyVersion).toBe(1);
  });

  it('refuses a token moved to another user or column', () => {
    const cipher = createTokenCipher([keyV1]);
    const sealed = cipher.seal(TOKEN, 'user-1:access');
    expect(() => cipher.open(sealed, 'user-2:access')).toThrow(SystemError);
    expect(() => cipher.open(sealed, 'user-1:refresh')).toThrow(SystemError);
  });

  it('detects tampering', () => {
    const cipher = createTokenCipher([keyV1]);
    const sealed = cipher.seal(TOKEN, 'ctx');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => cipher.open({ ...sealed, ciphertext: raw.toString('base64') }, 'ctx')).toThrow(
      expect.objectContaining({ code: 'token_decrypt_failed' }),
    );
  });

  it('rotates: the newest key seals, older keys still open', () => {
    const before = createTokenCipher([keyV1]).seal(TOKEN, 'ctx');
    const rotated = createTokenCipher([keyV2, keyV1]);
    expect(rotated.open(before, 'ctx')).toBe(TOKEN);
    expect(rotated.seal(TOKEN, 'ctx').keyVersion).toBe(2);
  });

  it('names a missing key version with the way out, never the token', () => {
    const sealed = createTokenCipher([keyV2]).seal(TOKEN, 'ctx');
    let error: unknown;
    try {
      createTokenCipher([keyV1]).open(sealed, 'ctx');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).userMessage).toContain('key version 2');
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('needs at least one key', () => {
    expect(() => createTokenCipher([])).toThrow(
      expect.objectContaining({ code: 'token_key_missing' }),
    );
  });
});
