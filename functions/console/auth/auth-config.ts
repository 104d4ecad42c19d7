/**
 * The console's sign-in configuration, validated once (at cold start or `nudge start`) so a
 * wrong issuer URL or a short session secret fails with a clear message before anyone signs in.
 */
import * as z from 'zod';
import { ROLES, type Role } from './roles.ts';

/** Hosts where the console may run over plain http (a developer's machine). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for `http://127.0.0.1:…` and the like: the only place cookies may go without `Secure`. */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

const httpsOrLoopback = (what: string) =>
  z.url({ message: `${what} must be a URL` }).refine(
    // zod runs this even after z.url() failed: an unparsable value is that check's to report.
    (value) => !URL.canParse(value) || new URL(value).protocol === 'https:' || isLoopbackHttp(new URL(value)),
    { message: `${what} must be https (plain http only on 127.0.0.1 or localhost)` },
  );

const ConsoleAuthConfigSchema = z.object({
  /** The OIDC issuer (Cognito: `https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  issuer: httpsOrLoopback('issuer'),
  clientId: z.string().min(1, { message: 'clientId is required' }),
  clientSecret: z.string().min(1, { message: 'clientSecret is required' }),
  /** The console's `/auth/callback` URL as registered at the issuer. */
  redirectUrl: httpsOrLoopback('redirectUrl'),
  /** Where the issuer sends the browser after sign-out (default: `/auth/signed-out` beside `redirectUrl`). */
  postLogoutRedirectUrl: httpsOrLoopback('postLogoutRedirectUrl').optional(),
  /** The ID token claim holding the user's groups (Cognito: `cognito:groups`; Entra/Okta often `groups`). */
  groupsClaim: z.string().min(1).default('cognito:groups'),
  /** Group name → role. Default: a group named like a role is that role. */
  groupRoles: z.record(z.string(), z.enum(ROLES)).optional(),
  /** Signs the session and sign-in cookies (HS256): at least 32 characters, from Secrets Manager or a git-ignored file. */
  sessionSecret: z.string().min(32, { message: 'sessionSecret must be at least 32 characters' }),
  /** How long a session lasts before signing in again. */
  sessionHours: z.number().positive().max(24).default(8),
  /** Scopes asked for; the groups claim must come with them. */
  scopes: z.string().default('openid profile email'),
});

/** What {@link parseConsoleAuthConfig} accepts (defaults optional). */
export type ConsoleAuthConfigInput = z.input<typeof ConsoleAuthConfigSchema>;

/** A validated configuration, defaults applied. */
export interface ConsoleAuthConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUrl: URL;
  postLogoutRedirectUrl: URL;
  groupsClaim: string;
  groupRoles?: Readonly<Record<string, Role>>;
  sessionSecret: string;
  sessionHours: number;
  scopes: string;
  /** Cookies carry `Secure` (and the `__Host-` prefix) unless the console runs on loopback http. */
  secureCookies: boolean;
}

/** Raised when the sign-in configuration is unusable; the message names every wrong field, never a secret. */
export class ConsoleAuthConfigError extends Error {
  override readonly name = 'ConsoleAuthConfigError';
}

/** Validates the configuration. @throws {ConsoleAuthConfigError} naming each wrong field. */
export function parseConsoleAuthConfig(input: ConsoleAuthConfigInput): ConsoleAuthConfig {
  const parsed = ConsoleAuthConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
    );
    throw new ConsoleAuthConfigError(`console sign-in is misconfigured: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  const redirectUrl = new URL(value.redirectUrl);
  return {
    ...value,
    issuer: new URL(value.issuer),
    redirectUrl,
    postLogoutRedirectUrl: new URL(value.postLogoutRedirectUrl ?? new URL('/auth/signed-out', redirectUrl)),
    ...(value.groupRoles === undefined ? {} : { groupRoles: value.groupRoles }),
    secureCookies: !isLoopbackHttp(redirectUrl),
  };
}

/**
 * The console's Secrets Manager secret (JSON): the OIDC client secret and the session secret.
 * Read once per cold start (with a cache age) by the console host and passed to
 * {@link parseConsoleAuthConfig}; never logged.
 */
export const ConsoleAuthSecretSchema = z.object({
  clientSecret: z.string().min(1, { message: 'required' }),
  sessionSecret: z.string().min(32, { message: 'expected at least 32 characters' }),
});
