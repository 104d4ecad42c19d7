import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localConsoleAuthConfig, readLocalConsoleAuth } from '../../../local/runtime/local-console-auth.ts';

function dirs() {
  const root = mkdtempSync(join(tmpdir(), 'nudge-auth-'));
  return { secretsFile: join(root, 'nudge.secrets.json'), dataDir: join(root, '.nudge') };
}

const OPTIONS = { issuer: 'http://127.0.0.1:9000', clientId: 'console' };

describe('nudge start --auth oidc', () => {
  it('takes the client secret from the environment first, and generates a session secret once, owner-only', () => {
    const files = dirs();

    const first = readLocalConsoleAuth(OPTIONS, { NUDGE_OIDC_CLIENT_SECRET: 'from-env' }, files);
    const second = readLocalConsoleAuth(OPTIONS, { NUDGE_OIDC_CLIENT_SECRET: 'from-env' }, files);

    expect(first.ok && first.auth.clientSecret).toBe('from-env');
    const stored = readFileSync(join(files.dataDir, 'console-session-secret'), 'utf8').trim();
    expect(first.ok && first.auth.sessionSecret).toBe(stored);
    expect(second.ok && second.auth.sessionSecret).toBe(stored);
    expect(stored.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(files.dataDir, 'console-session-secret')).mode & 0o077).toBe(0);
  });

  it('reads the client secret from nudge.secrets.json when the environment has none', () => {
    const files = dirs();
    writeFileSync(files.secretsFile, JSON.stringify({ oidc: { clientSecret: 'from-file' } }));

    const read = readLocalConsoleAuth(OPTIONS, {}, files);

    expect(read.ok && read.auth.clientSecret).toBe('from-file');
  });

  it('says what is missing, without any secret', () => {
    const files = dirs();

    expect(readLocalConsoleAuth({ clientId: 'c' }, {}, files)).toEqual({
      ok: false,
      error: '--auth oidc needs --oidc-issuer <url> (or NUDGE_OIDC_ISSUER)',
    });
    expect(readLocalConsoleAuth({ issuer: 'http://127.0.0.1:9000' }, {}, files)).toEqual({
      ok: false,
      error: '--auth oidc needs --oidc-client-id <id> (or NUDGE_OIDC_CLIENT_ID)',
    });
    const publicClient = readLocalConsoleAuth(OPTIONS, {}, files);
    expect(publicClient.ok && 'clientSecret' in publicClient.auth).toBe(false); // a public PKCE client
    expect(publicClient.ok).toBe(true);
    const shortSession = readLocalConsoleAuth(
      OPTIONS,
      { NUDGE_OIDC_CLIENT_SECRET: 'x', NUDGE_CONSOLE_SESSION_SECRET: 'short-one' },
      files,
    );
    expect(shortSession.ok ? '' : shortSession.error).not.toContain('short-one');
  });

  it('the console callback is beside the console URL', () => {
    const config = localConsoleAuthConfig(
      { ...OPTIONS, clientSecret: 's', sessionSecret: 'x'.repeat(32), groupsClaim: 'groups' },
      'http://127.0.0.1:3000',
    );

    expect(config).toMatchObject({
      redirectUrl: 'http://127.0.0.1:3000/auth/callback',
      groupsClaim: 'groups',
    });
  });
});
