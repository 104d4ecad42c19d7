/**
 * The console function as Lambda runs it, for tests: console.handler.ts bundled with the stack's
 * esbuild options (the price table copied next to it, as infra/constructs/console.ts does), a
 * one-rule deployed project beside it, Secrets Manager on loopback answering the session-key
 * secret as the stack generates it, and a child node that cold-starts the bundle with the
 * stack's environment and answers HTTP API events in turn.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { Role } from '../../functions/console/auth/roles.ts';
import { sessionKey, signSession } from '../../functions/console/auth/session-token.ts';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import { HANDLER_ENTRIES, LAMBDA_ESBUILD_OPTIONS } from '../../infra/bundling.ts';
import { REPO_ROOT } from '../../infra/settings.ts';

const run = promisify(execFile);

/** The HTTP API's domain and the console's origin, as the stack sets NUDGE_CONSOLE_URL. */
export const DOMAIN = 'abc123xyz.execute-api.eu-north-1.amazonaws.com';
export const ORIGIN = `https://${DOMAIN}`;
export const SESSION_ARN =
  'arn:aws:secretsmanager:eu-north-1:111122223333:secret:nudge/dev/console-session-AbCdEf';

/** The bundled project's one rule and its template. */
export const PARCEL_LATE_RULE =
  'id: parcel-late\ndescription: Say sorry when a parcel is late.\non:\n  source: [acme.orders]\n  detail-type: [ParcelLate]\nsend: immediately\nwindow: always\nchannels: [sms]\ntemplate: parcel-late\n';
export const PARCEL_LATE_TEMPLATE = 'parcel-late/en.sms.liquid';

export interface ConsoleBundle {
  /** The session-key secret's `signingKey`. */
  signingKey: string;
  /** Each Secrets Manager request as `<X-Amz-Target> <body>`. */
  secretRequests: string[];
  /** Cold-starts the bundle once and answers each event in turn, as one execution environment. */
  invoke(events: unknown[]): Promise<Array<{ statusCode: number; body: string }>>;
  /** A session cookie as the sign-in callback writes it, signed with the stack's key. */
  cookieFor(name: string, roles: Role[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds the bundle and starts the secrets server. `dynamodb`: the endpoint the function's
 * DynamoDB client uses (undefined: nothing listens, the rule-set pointer read fails), with the
 * table name; `remainingMs`: what `getRemainingTimeInMillis` answers (the function's timeout).
 */
export async function startConsoleBundle(options: {
  tableName: string;
  dynamodb?: string;
  remainingMs: number;
}): Promise<ConsoleBundle> {
  const work = mkdtempSync(join(tmpdir(), 'nudge-console-bundle-'));
  const assetDir = join(work, 'asset');
  const signingKey = randomBytes(32).toString('base64url');
  const secretRequests: string[] = [];
  const secretsManager = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += String(chunk);
    });
    req.on('end', () => {
      secretRequests.push(`${req.headers['x-amz-target'] ?? ''} ${body}`);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ ARN: SESSION_ARN, SecretString: JSON.stringify({ signingKey }) }));
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  const address = secretsManager.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const secretsUrl = `http://127.0.0.1:${address.port}`;

  const project = join(work, 'project');
  mkdirSync(join(project, 'rules'), { recursive: true });
  mkdirSync(join(project, 'templates', 'parcel-late'), { recursive: true });
  writeFileSync(join(project, 'rules', 'parcel-late.yaml'), PARCEL_LATE_RULE);
  writeFileSync(join(project, 'templates', PARCEL_LATE_TEMPLATE), 'Sorry, your parcel is late.');
  mkdirSync(assetDir);
  writeFileSync(join(assetDir, DEPLOYED_PROJECT_FILE), JSON.stringify(compileDeployedProject(project)));
  copyFileSync(join(REPO_ROOT, 'pricing', 'sms-prices.yaml'), join(assetDir, 'sms-prices.yaml'));
  await build({
    entryPoints: [join(REPO_ROOT, HANDLER_ENTRIES.console)],
    ...LAMBDA_ESBUILD_OPTIONS,
    outdir: assetDir,
    logLevel: 'error',
  });

  const env = {
    PATH: process.env.PATH ?? '',
    LAMBDA_TASK_ROOT: assetDir,
    AWS_REGION: 'eu-north-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    NUDGE_TABLE_NAME: options.tableName,
    NUDGE_EVENT_BUS_NAME: 'nudge-dev',
    NUDGE_CONSOLE_URL: ORIGIN,
    NUDGE_OIDC_ISSUER: 'https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_AbC',
    NUDGE_OIDC_CLIENT_ID: 'client',
    NUDGE_CONSOLE_SESSION_SECRET_ARN: SESSION_ARN,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
    ...(options.dynamodb === undefined
      ? // Nothing listens here: the rule-set pointer read fails and the bundled rules are shown.
        { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' }
      : { AWS_ENDPOINT_URL_DYNAMODB: options.dynamodb }),
    NUDGE_SEND_QUEUE_URL: 'https://sqs.eu-north-1.amazonaws.com/111122223333/send',
    NUDGE_SEND_QUEUE_ARN: 'arn:aws:sqs:eu-north-1:111122223333:send',
  };
  const script = `const m = await import(process.argv[1]);
const out = [];
for (const event of JSON.parse(process.argv[2])) out.push(await m.handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => ${options.remainingMs} }));
process.stdout.write(JSON.stringify(out)); process.exit(0);`;

  return {
    signingKey,
    secretRequests,
    async invoke(events) {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          script,
          pathToFileURL(join(assetDir, 'index.mjs')).href,
          JSON.stringify(events),
        ],
        { cwd: assetDir, timeout: options.remainingMs + 11_000, env },
      );
      return JSON.parse(stdout);
    },
    async cookieFor(name, roles) {
      const token = await signSession(
        { sub: `sub-${name}`, name, roles },
        sessionKey(signingKey),
        new Date(),
        1,
      );
      return `__Host-nudge_session=${token}`;
    },
    async stop() {
      rmSync(work, { recursive: true, force: true });
      secretsManager.closeAllConnections();
      await new Promise<void>((resolve) => secretsManager.close(() => resolve()));
    },
  };
}
