// The rule editor in AWS: console.handler.ts bundled as the stack bundles it (with the price table
// next to it, as infra/constructs/console.ts copies it), cold-started in a child node with the
// stack's environment, on DynamoDB Local. An editor validates a draft; a publisher gates it over
// the archive's last day (the AWS default window) and publishes it through the console API; the
// ACTIVE pointer moved in the table (read with this test's own client).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { systemClock } from '../../functions/adapters/system-clock.ts';
import type { Role } from '../../functions/console/auth/roles.ts';
import { sessionKey, signSession } from '../../functions/console/auth/session-token.ts';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import { HANDLER_ENTRIES, LAMBDA_ESBUILD_OPTIONS } from '../../infra/bundling.ts';
import { REPO_ROOT } from '../../infra/settings.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { httpApiEvent } from '../support/http-api-event.ts';

const run = promisify(execFile);
const DOMAIN = 'abc123xyz.execute-api.eu-north-1.amazonaws.com';
const ORIGIN = `https://${DOMAIN}`;
const SIGNING_KEY = randomBytes(32).toString('base64url');
const SESSION_ARN = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:nudge/dev/console-session-AbCdEf';
const RULE =
  'id: parcel-late\ndescription: Say sorry when a parcel is late.\non:\n  source: [acme.orders]\n  detail-type: [ParcelLate]\nsend: immediately\nwindow: always\nchannels: [sms]\ntemplate: parcel-late\n';
const TEMPLATE = 'parcel-late/en.sms.liquid';

const endpoint = inject('dynamodbEndpoint');
const client = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint));
const doc = DynamoDBDocumentClient.from(client);
const tableName = createTestTableName('console-publish');
const work = mkdtempSync(join(tmpdir(), 'nudge-console-publish-'));
const assetDir = join(work, 'asset');
let secretsManager: Server;
let secretsUrl = '';

/** Secrets Manager on loopback: the session-key secret, as the stack generates it. */
async function startSecretsManager(): Promise<void> {
  secretsManager = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
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
}

/** An archived ParcelLate of customer `id`, `hoursAgo` before now. */
function parcelLate(id: string, hoursAgo: number) {
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return {
    event: {
      id: `evt-${id}`,
      source: 'acme.orders',
      'detail-type': 'ParcelLate',
      time: at,
      detail: { customer: { id, phone: '+46701234567', locale: 'en' } },
    },
    at,
    receivedAt: at,
    customerId: id,
  };
}

beforeAll(async () => {
  await startSecretsManager();
  await createJourneyTable(client, tableName);
  const stores = createDynamoStores({ tableName, client, clock: systemClock });
  // Three events inside the last day, one two days ago (outside the AWS default window of 1 day).
  for (const [id, hoursAgo] of [
    ['c-1', 2],
    ['c-2', 5],
    ['c-3', 20],
    ['c-old', 48],
  ] as const)
    await stores.events.archive(parcelLate(id, hoursAgo));
  const project = join(work, 'project');
  mkdirSync(join(project, 'rules'), { recursive: true });
  mkdirSync(join(project, 'templates', 'parcel-late'), { recursive: true });
  writeFileSync(join(project, 'rules', 'parcel-late.yaml'), RULE);
  writeFileSync(join(project, 'templates', TEMPLATE), 'Sorry, your parcel is late.');
  mkdirSync(assetDir);
  writeFileSync(join(assetDir, DEPLOYED_PROJECT_FILE), JSON.stringify(compileDeployedProject(project)));
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
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

/** Cold-starts the bundle once and answers each event in turn, as one execution environment. */
async function invokeBundle(events: unknown[]): Promise<Array<{ statusCode: number; body: string }>> {
  const script = `const m = await import(process.argv[1]);
const out = [];
for (const event of JSON.parse(process.argv[2])) out.push(await m.handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => 29000 }));
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
      timeout: 40_000,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        NUDGE_TABLE_NAME: tableName,
        NUDGE_EVENT_BUS_NAME: 'nudge-dev',
        NUDGE_CONSOLE_URL: ORIGIN,
        NUDGE_OIDC_ISSUER: 'https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_AbC',
        NUDGE_OIDC_CLIENT_ID: 'client',
        NUDGE_CONSOLE_SESSION_SECRET_ARN: SESSION_ARN,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
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

async function cookieFor(name: string, roles: Role[]): Promise<string> {
  const token = await signSession(
    { sub: `sub-${name}`, name, roles },
    sessionKey(SIGNING_KEY),
    new Date(),
    1,
  );
  return `__Host-nudge_session=${token}`;
}

function post(path: string, cookie: string, body: unknown) {
  return httpApiEvent('POST', path, {
    domain: DOMAIN,
    headers: { 'content-type': 'application/json', origin: ORIGIN, cookie },
    body: JSON.stringify(body),
  });
}

describe('the console function publishes a rule-set version in AWS', () => {
  it('validates as an editor, gates over the last day and publishes as a publisher; the pointer moves in the table', async () => {
    // Arrange
    const editor = await cookieFor('Eda', ['editor']);
    const publisher = await cookieFor('Pia', ['editor', 'publisher']);
    const draft = {
      ruleId: 'parcel-late',
      yaml: RULE,
      templates: { [TEMPLATE]: 'So sorry: your parcel is late.' },
    };
    const newRule = {
      yaml: RULE.replaceAll('parcel-late', 'parcel-found').replace('ParcelLate', 'ParcelFound'),
      templates: { 'parcel-found/en.sms.liquid': 'Good news: we found your parcel.' },
    };
    const broken = { ...draft, templates: { [TEMPLATE]: 'Hi {{ customer.nickname }}' } };

    // Act: one execution environment, as in AWS (the first request seeds version 1).
    const [editPage, validated, refused, editorGate, gated, tooLong, published, after, added, rulesPage] =
      await invokeBundle([
        httpApiEvent('GET', '/rules/parcel-late/edit', { domain: DOMAIN, headers: { cookie: editor } }),
        post('/api/rule-sets/validate', editor, draft),
        post('/api/rule-sets/validate', editor, broken),
        post('/api/rule-sets/gate', editor, draft),
        post('/api/rule-sets/gate', publisher, draft),
        post('/api/rule-sets/gate', publisher, { ...draft, days: 7 }),
        post('/api/rule-sets/publish', publisher, {
          ...draft,
          expectedVersion: 1,
          message: 'kinder apology',
        }),
        httpApiEvent('GET', '/rules/parcel-late/edit', { domain: DOMAIN, headers: { cookie: editor } }),
        post('/api/rule-sets/publish', publisher, { ...newRule, expectedVersion: 2, message: 'a new rule' }),
        httpApiEvent('GET', '/rules', { domain: DOMAIN, headers: { cookie: editor } }),
      ]);
    const read = (SK: string) =>
      doc.send(new GetCommand({ TableName: tableName, Key: { PK: 'RULESET', SK }, ConsistentRead: true }));
    const pointer = await read('ACTIVE');
    // Move 1 seeded version 1 (the bundled project); move 2 is the console's first publish.
    const firstPublish = await read('MOVE#0000000002');

    // Assert: the editor offers the AWS window (1 day, at most 3).
    expect(editPage?.statusCode).toBe(200);
    expect(editPage?.body).toContain('name="days" value="1"');
    expect(editPage?.body).toContain('at most 3 here');
    expect(validated?.statusCode).toBe(200);
    expect(JSON.parse(validated?.body ?? '{}')).toMatchObject({ valid: true, activeVersion: 1, issues: [] });
    const invalid = JSON.parse(refused?.body ?? '{}');
    expect(invalid.valid).toBe(false);
    expect(JSON.stringify(invalid.issues)).toContain('nickname');
    expect(editorGate?.statusCode).toBe(403);
    expect(gated?.statusCode).toBe(200);
    const gate = JSON.parse(gated?.body ?? '{}');
    expect(gate.activeVersion).toBe(1);
    expect(gate.days).toBe(1);
    // c-1, c-2 and c-3 are inside the last day; c-old is not.
    expect(gate.report.backtest.events.read).toBe(3);
    const row = gate.report.backtest.rules.find((r: { ruleId: string }) => r.ruleId === 'parcel-late');
    expect(row.baseline.planned).toBe(3);
    expect(row.candidate.planned).toBe(3);
    expect(gate.report.cost.currency).toBe('USD');
    expect(tooLong?.statusCode).toBe(400);
    expect(tooLong?.body).toContain('from 1 to 3');
    expect(published?.statusCode).toBe(200);
    expect(JSON.parse(published?.body ?? '{}')).toMatchObject({ version: 2, from: 1 });
    expect(firstPublish.Item?.move).toMatchObject({
      action: 'publish',
      from: 1,
      to: 2,
      message: 'kinder apology',
      // The signed-in publisher's subject (the session's `sub`).
      by: 'sub-Pia',
    });
    // The editor opens on the new version.
    expect(after?.body).toContain('So sorry: your parcel is late.');
    expect(after?.body).toMatch(/id="active-version">2</);
    // The rules page of the same execution environment lists a rule published a moment ago:
    // the pointer is read right after the move, not after the 30 s cache.
    expect(added?.statusCode).toBe(200);
    expect(JSON.parse(added?.body ?? '{}')).toMatchObject({ version: 3, from: 2 });
    expect(rulesPage?.statusCode).toBe(200);
    expect(rulesPage?.body).toContain('parcel-found');
    expect(pointer.Item?.version).toBe(3);
    expect(pointer.Item?.lastMove).toMatchObject({
      action: 'publish',
      from: 2,
      to: 3,
      message: 'a new rule',
    });
  }, 60_000);
});
