/**
 * A small console for the sign-in tests: a page, a GET API, and a write for each role level,
 * mounted with the real sign-in (functions/console/auth), the real audit middleware on the
 * DynamoDB audit store (dynalite, in-process), and hono's CSRF guard, against a real OIDC
 * provider on loopback (oidc-provider-server.ts). Served by @hono/node-server on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import type { AuditLog } from '../../functions/app/ports/audit.ts';
import { type AuditEnv, auditRoutes, auditWrites } from '../../functions/console/auth/audit-writes.ts';
import { escapeHtml } from '../../functions/console/auth/auth-pages.ts';
import { createConsoleAuth } from '../../functions/console/auth/console-auth.ts';
import { canSeeContacts, describeRoles } from '../../functions/console/auth/roles.ts';
import { maskPhone } from '../../functions/core/customers/customer-profile.ts';
import { type Dynalite, startDynalite } from '../../local/dynamodb/dynalite-server.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createLocalJourneyTable } from '../../local/dynamodb/local-journey-table.ts';
import { type OidcProviderServer, startOidcProvider, TEST_GROUP_ROLES } from './oidc-provider-server.ts';

/** The one customer the test console shows. */
export const TEST_CUSTOMER_PHONE = '+46701234567';

/** A running test console with its provider. */
export interface AuthTestApp {
  url: string;
  provider: OidcProviderServer;
  /** The session secret (tests forge and expire cookies with it or with another one). */
  sessionSecret: string;
  audit: AuditLog;
  /** The sign-in log lines. */
  log: string[];
  stop(): Promise<void>;
}

/** Starts dynalite, the provider and the console (free ports on 127.0.0.1). */
export async function startAuthTestApp(): Promise<AuthTestApp> {
  const handler: { listener?: ReturnType<typeof getRequestListener> } = {};
  const server: Server = createServer((req, res) => {
    if (handler.listener === undefined) res.writeHead(503).end();
    else void handler.listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test console has no port');
  const url = `http://127.0.0.1:${address.port}`;
  const provider = await startOidcProvider({
    redirectUrl: `${url}/auth/callback`,
    postLogoutRedirectUrl: `${url}/auth/signed-out`,
  });
  const dynalite: Dynalite = await startDynalite();
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(dynalite.endpoint));
  const tableName = `auth-${randomBytes(4).toString('hex')}`;
  await createLocalJourneyTable(client, tableName, 'dynalite', () => undefined);
  const { audit } = createDynamoStores({ tableName, client });
  const sessionSecret = randomBytes(32).toString('base64url');
  const log: string[] = [];
  const app = buildApp({ url, provider, sessionSecret, audit, log });
  handler.listener = getRequestListener(app.fetch);
  return {
    url,
    provider,
    sessionSecret,
    audit,
    log,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.stop();
      client.destroy();
      await dynalite.stop();
    },
  };
}

function buildApp(input: {
  url: string;
  provider: OidcProviderServer;
  sessionSecret: string;
  audit: AuditLog;
  log: string[];
}): Hono<AuditEnv> {
  const { provider, audit, log } = input;
  const auth = createConsoleAuth(
    {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUrl: `${input.url}/auth/callback`,
      groupsClaim: 'groups',
      groupRoles: TEST_GROUP_ROLES,
      sessionSecret: input.sessionSecret,
    },
    { log: (line) => log.push(line) },
  );
  const app = new Hono<AuditEnv>();
  app.use(csrf({ origin: input.url }));
  app.route('/', auth.routes);
  app.use(auth.session);
  app.use(auditWrites(audit, { log: (line) => log.push(line) }));
  app.route('/', auditRoutes(audit, auth.requireRole('viewer')));
  app.get('/', auth.requireRole('viewer'), (c) => {
    const user = c.get('user');
    const phone = canSeeContacts(user) ? TEST_CUSTOMER_PHONE : maskPhone(TEST_CUSTOMER_PHONE);
    return c.html(`<!doctype html><html lang="en"><head><title>Test console</title></head><body><main>
<p id="who">Signed in as ${escapeHtml(user.name)} (${describeRoles(user)})</p>
<p id="customer">Anna: <span id="phone">${phone}</span></p>
<form method="post" action="/drafts"><button id="draft" type="submit">Save a draft</button></form>
<form method="post" action="/auth/logout"><button id="sign-out" type="submit">Sign out</button></form>
</main></body></html>`);
  });
  app.get('/api/things', auth.requireRole('viewer'), (c) => c.json({ things: ['a', 'b'] }));
  app.post('/drafts', auth.requireRole('editor'), (c) => {
    c.set('auditDetail', 'a draft from the page');
    return c.redirect('/?saved=draft', 303);
  });
  app.post('/api/drafts', auth.requireRole('editor'), (c) => c.json({ saved: true }));
  app.post('/api/rules/:id/publish', auth.requireRole('publisher'), (c) => {
    c.set('auditDetail', 'version 2');
    return c.json({ published: c.req.param('id') });
  });
  app.post('/api/customers/:id/erase', auth.requireRole('privacy'), (c) =>
    c.json({ erased: c.req.param('id') }),
  );
  app.post('/api/fails', auth.requireRole('editor'), (c) =>
    c.json({ error: { code: 'nope', message: 'refused' } }, 409),
  );
  return app;
}
