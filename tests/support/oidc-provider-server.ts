/**
 * A real OpenID Connect provider on loopback (npm `oidc-provider`) for the console sign-in tests:
 * one confidential client with PKCE required, one user per console role (plus one with no Nudge
 * group), a `groups` claim in the ID token, the provider's own development login form
 * (devInteractions: the login name picks the user, any password), no consent screen for the
 * console (a first-party client), and RP-initiated logout.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { Provider } from 'oidc-provider';

/** One account at the provider. `login` is what the test types into its login form. */
export interface TestAccount {
  login: string;
  name: string;
  email: string;
  groups: string[];
}

/** A user per role, in the groups the console's `groupRoles` maps; `nobody` has no Nudge group. */
export const TEST_ACCOUNTS = {
  viewer: { login: 'vera', name: 'Vera Viewer', email: 'vera@staff.example', groups: ['nudge-viewers'] },
  editor: { login: 'ed', name: 'Ed Editor', email: 'ed@staff.example', groups: ['nudge-editors', 'sales'] },
  publisher: {
    login: 'paula',
    name: 'Paula Publisher',
    email: 'paula@staff.example',
    groups: ['nudge-publishers'],
  },
  privacy: { login: 'priya', name: 'Priya Privacy', email: 'priya@staff.example', groups: ['nudge-privacy'] },
  nobody: { login: 'noah', name: 'Noah Nobody', email: 'noah@staff.example', groups: ['sales'] },
} as const satisfies Record<string, TestAccount>;

/** The map the console is configured with in the tests (group → role). */
export const TEST_GROUP_ROLES = {
  'nudge-viewers': 'viewer',
  'nudge-editors': 'editor',
  'nudge-publishers': 'publisher',
  'nudge-privacy': 'privacy',
} as const;

/** A running provider. */
export interface OidcProviderServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * While set, the ID token of every token response is rewritten by it and signed again with the
   * provider's own key (same `kid`): a provider that issues a validly signed token with wrong
   * claims (another audience, say), which only the relying party's own checks can refuse.
   */
  tamperIdToken?: ((claims: JWTPayload) => JWTPayload) | undefined;
  stop(): Promise<void>;
}

/**
 * Lets `res` through unchanged, except a JSON body carrying an `id_token`, whose claims are
 * rewritten by `tamper` and signed again with `key`.
 */
function tamperTokenResponse(
  res: ServerResponse,
  tamper: (claims: JWTPayload) => JWTPayload,
  key: Parameters<SignJWT['sign']>[0],
): void {
  const chunks: Buffer[] = [];
  const end = res.end.bind(res);
  res.write = ((chunk: unknown) => {
    chunks.push(Buffer.from(chunk as Uint8Array));
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Uint8Array));
    const body = Buffer.concat(chunks).toString('utf8');
    void (async () => {
      let out = body;
      try {
        const json = JSON.parse(body) as { id_token?: string };
        if (json.id_token !== undefined) {
          const claims = tamper(decodeJwt(json.id_token));
          json.id_token = await new SignJWT(claims)
            .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
            .sign(key);
          out = JSON.stringify(json);
        }
      } catch {
        // Not JSON: passed on as it came.
      }
      res.removeHeader('content-length');
      res.setHeader('content-length', Buffer.byteLength(out));
      end(out);
    })();
    return res;
  }) as typeof res.end;
}

/**
 * Starts the provider on 127.0.0.1 (a free port) for a console whose callback is `redirectUrl`
 * and whose signed-out page is `postLogoutRedirectUrl`, holding `accounts`.
 */
export async function startOidcProvider(options: {
  redirectUrl: string;
  postLogoutRedirectUrl: string;
  /** The provider's users (default: {@link TEST_ACCOUNTS}). */
  accounts?: ReadonlyArray<TestAccount>;
}): Promise<OidcProviderServer> {
  const accounts: ReadonlyArray<TestAccount> = options.accounts ?? Object.values(TEST_ACCOUNTS);
  const clientId = 'nudge-console';
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const handler: { listener?: ReturnType<Provider['callback']> } = {};
  const running: { tamperIdToken?: OidcProviderServer['tamperIdToken'] } = {};
  const server: Server = createServer((req, res) => {
    if (handler.listener === undefined) {
      res.writeHead(503).end();
      return;
    }
    if (running.tamperIdToken !== undefined && req.method === 'POST' && req.url === '/token')
      tamperTokenResponse(res, running.tamperIdToken, privateKey);
    handler.listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the provider has no port');
  const issuer = `http://127.0.0.1:${address.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUrl],
        post_logout_redirect_uris: [options.postLogoutRedirectUrl],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The groups come with the profile scope, in the ID token itself (as Cognito sends cognito:groups).
    claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.find((candidate) => candidate.login === sub);
      if (account === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: account.name,
          email: account.email,
          email_verified: true,
          groups: account.groups,
        }),
      };
    },
    // The console is first-party: grant its scopes without a consent screen.
    async loadExistingGrant(ctx) {
      const { client, session, result, provider: self } = ctx.oidc;
      if (client === undefined || session === undefined) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId !== undefined) return self.Grant.find(grantId);
      const grant = new self.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  handler.listener = provider.callback();
  return {
    issuer,
    clientId,
    clientSecret,
    get tamperIdToken() {
      return running.tamperIdToken;
    },
    set tamperIdToken(tamper) {
      running.tamperIdToken = tamper;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
