import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configuredUnsubscribeSigningKey,
  LOCAL_UNSUBSCRIBE_KEY_FILE,
  localUnsubscribeSigningKey,
} from '../../../local/runtime/unsubscribe-signing-key.ts';

const KEY = 'a-configured-signing-key-0123456789abcdef';

describe('the local unsubscribe signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nudge-unsub-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once into the data dir, readable by the owner only, and reused after a restart', () => {
    const first = localUnsubscribeSigningKey(dir);
    const file = join(dir, LOCAL_UNSUBSCRIBE_KEY_FILE);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(localUnsubscribeSigningKey(dir)).toBe(first);
  });

  it('is random per start without a data dir', () => {
    expect(localUnsubscribeSigningKey(undefined)).not.toBe(localUnsubscribeSigningKey(undefined));
  });

  it('comes from the environment first, then from nudge.secrets.json, else is not configured', () => {
    const file = join(dir, 'nudge.secrets.json');
    expect(configuredUnsubscribeSigningKey({}, file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ twilio: {}, unsubscribe: { signingKey: KEY } }));
    expect(configuredUnsubscribeSigningKey({}, file)).toBe(KEY);
    const fromEnv = `${KEY}-from-env`;
    expect(configuredUnsubscribeSigningKey({ NUDGE_UNSUBSCRIBE_SIGNING_KEY: fromEnv }, file)).toBe(fromEnv);
  });

  it('refuses a short key, naming where it came from and never the value', () => {
    const file = join(dir, 'nudge.secrets.json');
    writeFileSync(file, JSON.stringify({ unsubscribe: { signingKey: 'tooshort-secret' } }));
    expect(() => configuredUnsubscribeSigningKey({}, file)).toThrow(/unsubscribe\.signingKey/);
    expect(() => configuredUnsubscribeSigningKey({}, file)).not.toThrow(/tooshort-secret/);
    expect(() =>
      configuredUnsubscribeSigningKey({ NUDGE_UNSUBSCRIBE_SIGNING_KEY: 'tooshort-secret' }, file),
    ).toThrow(/^NUDGE_UNSUBSCRIBE_SIGNING_KEY must be at least 32 characters$/);
  });
});
