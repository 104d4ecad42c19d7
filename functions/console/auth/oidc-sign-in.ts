/**
 * The OpenID Connect side of sign-in, on `openid-client`: discovery from the issuer URL (once,
 * retried after a failure), the authorization request (code flow with PKCE S256, state and
 * nonce), and the callback's code exchange. openid-client verifies the ID token: its signature
 * against the issuer's JWKS, `iss`, `aud`, `exp`, and the `nonce` and `state` this sign-in sent.
 */
import * as client from 'openid-client';
import type { ConsoleAuthConfig } from './auth-config.ts';
import { type ConsoleUser, rolesFromGroups } from './roles.ts';
import type { LoginTransaction } from './session-token.ts';

/** A sign-in the callback refused: the issuer's error, a replayed or mixed-up callback, a bad token. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** The issuer as the console talks to it. */
export interface OidcSignIn {
  /** Where to send the browser to sign in, and what the callback must find again. */
  start(returnTo: string): Promise<{ url: URL; login: LoginTransaction }>;
  /** Exchanges the callback's code and turns the verified ID token into a user. @throws {SignInError} */
  finish(callbackQuery: string, login: LoginTransaction): Promise<ConsoleUser>;
  /** The issuer's end-session URL for this client, when it offers one. */
  endSessionUrl(): Promise<URL | undefined>;
}

/** {@link OidcSignIn} for one configuration; discovery happens on first use. */
export function createOidcSignIn(config: ConsoleAuthConfig): OidcSignIn {
  let discovered: Promise<client.Configuration> | undefined;
  const issuer = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(config.issuer, config.clientId, undefined, clientAuth(config), {
        // Plain http only for an issuer on loopback (tests, a developer's own provider); the
        // configuration refuses any other http URL.
        ...(config.issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((error: unknown) => {
        discovered = undefined; // the next sign-in tries again
        throw new SignInError(`cannot reach the issuer ${config.issuer.href}: ${describe(error)}`);
      });
    return discovered;
  };
  return {
    async start(returnTo) {
      const oidc = await issuer();
      const login: LoginTransaction = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        returnTo,
      };
      const url = client.buildAuthorizationUrl(oidc, {
        redirect_uri: config.redirectUrl.href,
        scope: config.scopes,
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      });
      return { url, login };
    },
    async finish(callbackQuery, login) {
      const oidc = await issuer();
      const current = new URL(config.redirectUrl);
      current.search = callbackQuery;
      let claims: client.IDToken | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(oidc, current, {
          pkceCodeVerifier: login.verifier,
          expectedState: login.state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        throw new SignInError(describe(error));
      }
      if (claims === undefined) throw new SignInError('the issuer sent no ID token');
      return userFromClaims(claims, config);
    },
    async endSessionUrl() {
      const oidc = await issuer();
      if (oidc.serverMetadata().end_session_endpoint === undefined) return undefined;
      return client.buildEndSessionUrl(oidc, {
        client_id: config.clientId,
        post_logout_redirect_uri: config.postLogoutRedirectUrl.href,
      });
    },
  };
}

/** A confidential client authenticates with its secret (HTTP Basic); a public one sends none (PKCE). */
function clientAuth(config: ConsoleAuthConfig): client.ClientAuth {
  return config.clientSecret === undefined ? client.None() : client.ClientSecretBasic(config.clientSecret);
}

/** The session's user from verified ID token claims: name, email, roles from the groups claim. */
export function userFromClaims(
  claims: Readonly<Record<string, unknown>>,
  config: Pick<ConsoleAuthConfig, 'groupsClaim' | 'groupRoles'>,
): ConsoleUser {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  if (sub === '') throw new SignInError('the ID token has no subject');
  const text = (key: string) =>
    typeof claims[key] === 'string' && claims[key] !== '' ? claims[key] : undefined;
  const email = text('email');
  return {
    sub,
    name: text('name') ?? email ?? text('cognito:username') ?? text('preferred_username') ?? sub,
    ...(email === undefined ? {} : { email }),
    roles: rolesFromGroups(claims[config.groupsClaim], config.groupRoles),
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // openid-client wraps the issuer's own `error` in its ResponseBodyError, and the failed check
  // ("unexpected ID Token "nonce" claim value") in the `cause` of "invalid response encountered".
  const body = 'error' in error && typeof error.error === 'string' ? ` (${error.error})` : '';
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${body}${cause}`;
}
