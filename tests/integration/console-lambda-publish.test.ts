// The rule editor in AWS: console.handler.ts bundled as the stack bundles it (with the price table
// next to it, as infra/constructs/console.ts copies it), cold-started in a child node with the
// stack's environment, on DynamoDB Local. An editor validates a draft; a publisher gates it over
// the archive's last day (the AWS default window) and publishes it through the console API; the
// ACTIVE pointer moved in the table (read with this test's own client).
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { systemClock } from '../../functions/adapters/system-clock.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import {
  type ConsoleBundle,
  DOMAIN,
  ORIGIN,
  PARCEL_LATE_RULE as RULE,
  startConsoleBundle,
  PARCEL_LATE_TEMPLATE as TEMPLATE,
} from '../support/console-bundle-rig.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { httpApiEvent } from '../support/http-api-event.ts';

const endpoint = inject('dynamodbEndpoint');
const client = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint));
const doc = DynamoDBDocumentClient.from(client);
const tableName = createTestTableName('console-publish');
let bundle: ConsoleBundle;

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
  bundle = await startConsoleBundle({ tableName, dynamodb: endpoint, remainingMs: 29_000 });
}, 60_000);

afterAll(async () => {
  await bundle?.stop();
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

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
    const editor = await bundle.cookieFor('Eda', ['editor']);
    const publisher = await bundle.cookieFor('Pia', ['editor', 'publisher']);
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
      await bundle.invoke([
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
