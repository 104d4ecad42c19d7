/**
 * `nudge start --auth oidc`: the console's sign-in on a developer's machine, against any OIDC
 * issuer (a Cognito pool, the company's IdP, a provider on loopback). The issuer and client id
 * come from the command line (or `NUDGE_OIDC_ISSUER`, `NUDGE_OIDC_CLIENT_ID`); the client secret (none for a public PKCE client) from `NUDGE_OIDC_CLIENT_SECRET` or `oidc.clientSecret`
 * in the git-ignored `nudge.secrets.json`; the session secret from `NUDGE_CONSOLE_SESSION_SECRET`
 * or generated once into `<dataDir>/console-session-secret` (owner-only), so a restart keeps
 * people signed in.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { ConsoleAuthConfigInput } from '../../functions/console/auth/auth-config.ts';

/** What the local console signs in with (secrets included; never logged). */
export interface LocalConsoleAuth {
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE only, like the stack's Cognito client). */
  clientSecret?: string;
  sessionSecret: string;
  groupsClaim?: string;
}

const SESSION_SECRET_FILE = 'console-session-secret';
const SecretsFileSchema = z.looseObject({
  oidc: z.looseObject({ clientSecret: z.string().min(1) }).optional(),
});

/**
 * Reads what `--auth oidc` needs, or says what is missing (never a secret's value).
 */
export function readLocalConsoleAuth(
  options: { issuer?: string; clientId?: string; groupsClaim?: string },
  env: NodeJS.ProcessEnv,
  files: { secretsFile: string; dataDir: string },
): { ok: true; auth: LocalConsoleAuth } | { ok: false; error: string } {
  const issuer = options.issuer ?? env.NUDGE_OIDC_ISSUER;
  const clientId = options.clientId ?? env.NUDGE_OIDC_CLIENT_ID;
  if (issuer === undefined || issuer === '')
    return { ok: false, error: '--auth oidc needs --oidc-issuer <url> (or NUDGE_OIDC_ISSUER)' };
  if (clientId === undefined || clientId === '')
    return { ok: false, error: '--auth oidc needs --oidc-client-id <id> (or NUDGE_OIDC_CLIENT_ID)' };
  const secret = env.NUDGE_OIDC_CLIENT_SECRET ?? secretFromFile(files.secretsFile);
  const clientSecret = secret === '' ? undefined : secret;
  const sessionSecret = env.NUDGE_CONSOLE_SESSION_SECRET ?? localSessionSecret(files.dataDir);
  if (sessionSecret.length < 32)
    return { ok: false, error: 'NUDGE_CONSOLE_SESSION_SECRET must be at least 32 characters' };
  return {
    ok: true,
    auth: {
      issuer,
      clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      sessionSecret,
      ...(options.groupsClaim === undefined ? {} : { groupsClaim: options.groupsClaim }),
    },
  };
}

/** The sign-in configuration of a console listening at `consoleUrl` (its callback is beside it). */
export function localConsoleAuthConfig(auth: LocalConsoleAuth, consoleUrl: string): ConsoleAuthConfigInput {
  return {
    issuer: auth.issuer,
    clientId: auth.clientId,
    ...(auth.clientSecret === undefined ? {} : { clientSecret: auth.clientSecret }),
    sessionSecret: auth.sessionSecret,
    redirectUrl: new URL('/auth/callback', consoleUrl).href,
    ...(auth.groupsClaim === undefined ? {} : { groupsClaim: auth.groupsClaim }),
  };
}

function secretFromFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = SecretsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data.oidc?.clientSecret : undefined;
  } catch {
    return undefined;
  }
}

function localSessionSecret(dataDir: string): string {
  const file = join(dataDir, SESSION_SECRET_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
