// The console function as Lambda runs it: console.handler.ts bundled with the stack's esbuild
// options, cold-started in a child node with the environment the stack gives it, and invoked with
// HTTP API events for the routes that need no AWS call (the rest are covered against the stores in
// tests/unit/console/stores-console-backend.test.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKey, signSession } from '../../functions/console/auth/session-token.ts';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import { HANDLER_ENTRIES, LAMBDA_ESBUILD_OPTIONS } from '../../infra/bundling.ts';
import { REPO_ROOT } from '../../infra/settings.ts';
import { httpApiEvent } from '../support/http-api-event.ts';

const run = promisify(execFile);
const DOMAIN = 'abc123xyz.execute-api.eu-north-1.amazonaws.com';
const ORIGIN = `https://${DOMAIN}`;

const work = mkdtempSync(join(tmpdir(), 'nudge-console-bundle-'));
const assetDir = join(work, 'asset');
const SIGNING_KEY = randomBytes(32).toString('base64url');
const SESSION_ARN = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:nudge/dev/console-session-AbCdEf';
/** Secrets Manager on loopback: GetSecretValue of the session-key secret, as the stack generates it. */
let secretsManager: Server;
let secretsUrl = '';
const secretRequests: string[] = [];

beforeAll(async () => {
  secretsManager = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      secretRequests.push(`${req.headers['x-amz-target'] ?? ''} ${body}`);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ ARN: SESSION_ARN, SecretString: JSON.stringify({ signingKey: SIGNING_KEY }) }),
      );
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  const address = secretsManager.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  secretsUrl = `http://127.0.0.1:${address.port}`;
  const project = join(work, 'project');
  mkdirSync(join(project, 'rules'), { recursive: true });
  mkdirSync(join(project, 'templates', 'parcel-late'), { recursive: true });
  writeFileSync(
    join(project, 'rules', 'parcel-late.yaml'),
    'id: parcel-late\ndescription: Say sorry when a parcel is late.\non:\n  source: [acme.orders]\n  detail-type: [ParcelLate]\nsend: immediately\nwindow: always\nchannels: [sms]\ntemplate: parcel-late\n',
  );
  writeFileSync(join(project, 'templates', 'parcel-late', 'en.sms.liquid'), 'Sorry, your parcel is late.');
  mkdirSync(assetDir);
  writeFileSync(join(assetDir, DEPLOYED_PROJECT_FILE), JSON.stringify(compileDeployedProject(project)));
  // The gate's price table, copied next to the bundle as infra/constructs/console.ts does.
  copyFileSync(join(REPO_ROOT, 'pricing', 'sms-prices.yaml'), join(assetDir, 'sms-prices.yaml'));
  await build({
    entryPoints: [join(REPO_ROOT, HANDLER_ENTRIES.console)],
    ...LAMBDA_ESBUILD_OPTIONS,
    outfile: join(assetDir, 'index.mjs'),
    logLevel: 'error',
  });
}, 60_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  secretsManager.closeAllConnections();
  await new Promise<void>((resolve) => secretsManager.close(() => resolve()));
});

/** Cold-starts the bundle once and answers each event in turn, as one execution environment. */
async function invokeBundle(events: unknown[]): Promise<Array<{ statusCode: number; body: string }>> {
  const script = `const m = await import(process.argv[1]);
const out = [];
for (const event of JSON.parse(process.argv[2])) out.push(await m.handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => 9000 }));
process.stdout.write(JSON.stringify(out)); process.exit(0);`;
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      pathToFileURL(join(assetDir, 'index.mjs')).href,
      JSON.stringify(events),
    ],
    {
      cwd: assetDir,
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        NUDGE_TABLE_NAME: 'nudge-test-table',
        NUDGE_EVENT_BUS_NAME: 'nudge-dev',
        NUDGE_CONSOLE_URL: ORIGIN,
        NUDGE_OIDC_ISSUER: 'https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_AbC',
        NUDGE_OIDC_CLIENT_ID: 'client',
        NUDGE_CONSOLE_SESSION_SECRET_ARN: SESSION_ARN,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
        // Nothing listens here: the rule-set pointer read fails and the bundled rules are shown.
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
        AWS_MAX_ATTEMPTS: '1',
        NUDGE_SCHEDULE_GROUP: 'nudge-dev',
        NUDGE_SCHEDULER_ROLE_ARN: 'arn:aws:iam::111122223333:role/scheduler',
        NUDGE_SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-north-1:111122223333:scheduler-dlq',
        NUDGE_SEND_QUEUE_URL: 'https://sqs.eu-north-1.amazonaws.com/111122223333/send',
        NUDGE_SEND_QUEUE_ARN: 'arn:aws:sqs:eu-north-1:111122223333:send',
      },
    },
  );
  return JSON.parse(stdout);
}

describe('the bundled console function', () => {
  it('cold-starts with sign-in on: no session 401, a session signed with the stack key 200; cross-origin and foreign host 403', async () => {
    // Arrange: a session cookie as the callback writes it, signed with the secret's signingKey.
    const session = await signSession(
      { sub: 'sub-ed', name: 'Ed', roles: ['editor'] },
      sessionKey(SIGNING_KEY),
      new Date(),
      1,
    );
    const cookie = `__Host-nudge_session=${session}`;

    // Act
    const [anonymous, clock, captured, crossOrigin, reply, foreignHost] = await invokeBundle([
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN }),
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN, headers: { cookie } }),
      httpApiEvent('GET', '/api/captured', { domain: DOMAIN, headers: { cookie } }),
      httpApiEvent('POST', '/api/events', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: 'https://evil.example', cookie },
        body: JSON.stringify({ source: 'acme.orders', 'detail-type': 'ParcelLate', detail: {} }),
      }),
      httpApiEvent('POST', '/api/replies', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: ORIGIN, cookie },
        body: JSON.stringify({ from: '+46701234567', body: 'YES' }),
      }),
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN, headers: { host: 'evil.example', cookie } }),
    ]);

    // Assert
    expect(anonymous?.statusCode).toBe(401);
    expect(clock?.statusCode).toBe(200);
    expect(JSON.parse(clock?.body ?? '')).toMatchObject({ speed: 1 });
    expect(JSON.parse(captured?.body ?? '')).toMatchObject({ items: [] });
    expect(crossOrigin?.statusCode).toBe(403);
    expect(reply?.statusCode).toBe(422);
    expect(JSON.parse(reply?.body ?? '')).toMatchObject({ error: { code: 'reply-rejected' } });
    expect(foreignHost?.statusCode).toBe(403);
    expect(secretRequests.some((request) => request.includes(SESSION_ARN))).toBe(true);
  }, 30_000);
});
