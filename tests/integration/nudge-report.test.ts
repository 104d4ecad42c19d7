import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { reportCommand } from '../../cli/commands/report.command.ts';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import type { DecisionGroup } from '../../functions/app/ports/goals.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { writeRuntimeFile } from '../../local/runtime/runtime-file.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';

// `nudge report` against the table of a running local runtime (its runtime.json), as an operator
// runs it: the tallies written by the goal ledger, read back per rule.
const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const tableName = createTestTableName('report');
let project: string;

const RULE = `id: invoice-reminder
description: Remind about an overdue invoice
on: { source: [acme.billing], detail-type: [InvoiceOverdue] }
send: immediately
channels: [sms]
template: invoice-reminder
holdout: 50%
goal: { on: { detail-type: [PaymentReceived] }, key: detail.invoiceId, within: P7D }
`;

/** `count` decisions of a group on `day`, the first `converted` of them converted. */
async function decide(group: DecisionGroup, day: string, count: number, converted: number): Promise<void> {
  const { goals } = createDynamoStores({ tableName, client });
  for (let index = 0; index < count; index++) {
    const decision = {
      ruleId: 'invoice-reminder',
      messageId: `m-${group}-${day}-${index}`,
      group,
      at: `${day}T09:00:00.000Z`,
    };
    await goals.recordDecision(decision, { goal: `INV-${group}-${day}-${index}` });
    if (index < converted) {
      await goals.convert('goal', `INV-${group}-${day}-${index}`, decision, {
        eventId: `pay-${index}`,
        at: `${day}T10:00:00.000Z`,
      });
    }
  }
}

beforeAll(async () => {
  await createJourneyTable(client, tableName);
  project = mkdtempSync(join(tmpdir(), 'nudge-report-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'invoice-reminder'), { recursive: true });
  mkdirSync(join(project, 'data'));
  writeFileSync(join(project, 'rules', 'invoice-reminder.yaml'), RULE);
  writeFileSync(
    join(project, 'templates', 'invoice-reminder', 'en.sms.liquid'),
    'Invoice {{ detail.invoiceId }}\n',
  );
  writeFileSync(join(project, 'nudge.config.yaml'), 'defaults:\n  locale: en\n');
  writeRuntimeFile(join(project, 'data'), {
    pid: process.pid,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName,
    consoleUrl: 'http://127.0.0.1:1',
    eventsUrl: 'http://127.0.0.1:1',
  });
  await decide('sent', '2026-12-01', 40, 28);
  await decide('held-out', '2026-12-01', 40, 12);
  await decide('sent', '2026-12-02', 10, 10);
}, 60_000);

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
  rmSync(project, { recursive: true, force: true });
});

const options = () => ({
  rules: join(project, 'rules'),
  templates: join(project, 'templates'),
  config: join(project, 'nudge.config.yaml'),
  dataDir: join(project, 'data'),
});

describe('nudge report', () => {
  test('prints each group, the lift and its interval for the days asked for', async () => {
    const output = await reportCommand({ ...options(), from: '2026-12-01', to: '2026-12-01' });

    expect(output.exitCode).toBe(0);
    // 28/40 = 70 %, 12/40 = 30 %: +40 pp; relative 0.4 / 0.3 = +133 %.
    expect(output.text).toContain(
      'invoice-reminder (2026-12-01 to 2026-12-01)\n  goal   sent 40, converted 28 (70.0 %); held out 40, converted 12 (30.0 %)\n         lift +40.0 pp (95 % CI ',
    );
    expect(output.text).toContain('pp), relative +133 %');
  });

  test('--json over every day sums the days', async () => {
    const output = await reportCommand({ ...options(), json: true, rule: 'invoice-reminder' });

    const [effect] = JSON.parse(output.text);
    expect(effect.goal.sent).toMatchObject({ decisions: 50, conversions: 38 });
    expect(effect.goal.heldOut).toMatchObject({ decisions: 40, conversions: 12 });
    expect(effect.goal.absolute.low).toBeGreaterThan(0);
  });

  test('an unknown rule or a malformed day is refused', async () => {
    const unknown = await reportCommand({ ...options(), rule: 'no-such-rule' });
    const badDay = await reportCommand({ ...options(), from: 'yesterday' });

    expect([unknown.exitCode, badDay.exitCode]).toEqual([1, 2]);
  });
});
