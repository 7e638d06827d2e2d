import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { loadOrCreateLocalSecrets } from '../../src/wiring/node/local-secrets.ts';

describe('local secrets', () => {
  it('are made once, readable by the owner only, and read back the same', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'stridesync-secrets-')), 'data');
    const first = loadOrCreateLocalSecrets(dir);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(first.tokenEncryptionKey, 'base64')).toHaveLength(32);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateLocalSecrets(dir)).toEqual(first);
  });

  it('refuse a damaged file rather than silently replacing it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stridesync-secrets-'));
    writeFileSync(path.join(dir, 'secrets.json'), '{"jwtSecret": "short"');
    expect(() => loadOrCreateLocalSecrets(dir)).toThrow(ConfigError);
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).toBe('{"jwtSecret": "short"');
  });
});
