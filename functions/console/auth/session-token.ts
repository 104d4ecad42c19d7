/**
 * The console's own signed tokens (jose, HS256, one key from the session secret): the session
 * (who is signed in, with which roles, until when) and the short-lived sign-in transaction
 * (state, nonce and PKCE verifier between the redirect to the issuer and its callback). Both
 * travel in HttpOnly cookies; a token signed with another key, altered, expired or meant for the
 * other purpose is refused.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { type ConsoleUser, ROLES } from './roles.ts';

const ISSUER = 'nudge-console';
const SESSION_AUDIENCE = 'nudge-console-session';
const LOGIN_AUDIENCE = 'nudge-console-sign-in';
/** A sign-in at the issuer has this long to come back. */
export const LOGIN_TTL_SECONDS = 600;

/** The key both tokens are signed with. */
export function sessionKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

const SessionClaims = z.object({
  sub: z.string().min(1),
  name: z.string(),
  email: z.string().optional(),
  roles: z.array(z.enum(ROLES)),
});

const LoginClaims = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  verifier: z.string().min(1),
  returnTo: z.string(),
});

/** What a sign-in keeps between the redirect and the callback. */
export type LoginTransaction = z.infer<typeof LoginClaims>;

/** Why a token was refused, for the log and the 401 message (never the token itself). */
export type TokenRefusal = 'expired' | 'invalid';

/** Signs a session for `user` that ends `hours` after `now`. */
export async function signSession(
  user: ConsoleUser,
  key: Uint8Array,
  now: Date,
  hours: number,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    name: user.name,
    roles: user.roles,
    ...(user.email === undefined ? {} : { email: user.email }),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.sub)
    .setIssuer(ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.round(hours * 3600))
    .sign(key);
}

/** The user of a valid session token, or why it was refused. */
export async function verifySession(
  token: string,
  key: Uint8Array,
  now: Date,
): Promise<{ ok: true; user: ConsoleUser } | { ok: false; reason: TokenRefusal }> {
  const claims = await verify(token, key, SESSION_AUDIENCE, now);
  if (!claims.ok) return claims;
  const parsed = SessionClaims.safeParse(claims.payload);
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  const { sub, name, email, roles } = parsed.data;
  return { ok: true, user: { sub, name, roles, ...(email === undefined ? {} : { email }) } };
}

/** Signs a sign-in transaction valid for {@link LOGIN_TTL_SECONDS}. */
export async function signLogin(login: LoginTransaction, key: Uint8Array, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ ...login })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(LOGIN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LOGIN_TTL_SECONDS)
    .sign(key);
}

/** The sign-in transaction of a valid token, or why it was refused. */
export async function verifyLogin(
  token: string,
  key: Uint8Array,
  now: Date,
): Promise<{ ok: true; login: LoginTransaction } | { ok: false; reason: TokenRefusal }> {
  const claims = await verify(token, key, LOGIN_AUDIENCE, now);
  if (!claims.ok) return claims;
  const parsed = LoginClaims.safeParse(claims.payload);
  return parsed.success ? { ok: true, login: parsed.data } : { ok: false, reason: 'invalid' };
}

async function verify(
  token: string,
  key: Uint8Array,
  audience: string,
  now: Date,
): Promise<{ ok: true; payload: unknown } | { ok: false; reason: TokenRefusal }> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience,
      currentDate: now,
    });
    return { ok: true, payload };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
