import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DateTime } from 'luxon';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { DynamoSuppressionStore } from '../../functions/adapters/dynamodb/dynamo-suppression-store.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { type EvaluateDeps, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../functions/app/ports.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aCustomer, anEvent, aRule, at, settings } from '../support/factories.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const calls = countDynamoDbCalls(client);
const tables: string[] = [];

afterAll(async () => {
  calls.stop();
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

class RecordingScheduler implements SendScheduler {
  readonly due = new Map<string, string>();
  async schedule(messageId: string, when: DateTime): Promise<void> {
    this.due.set(messageId, when.toUTC().toISO() ?? '');
  }
  async cancel(messageId: string): Promise<void> {
    this.due.delete(messageId);
  }
}

describe('threshold alerts on DynamoDB Local', () => {
  it('concurrent evaluators, each event delivered three times: every event counted once, ONE alert', async () => {
    // Arrange
    const tableName = createTestTableName('threshold');
    await createJourneyTable(client, tableName);
    tables.push(tableName);
    const clock = { now: () => at('2026-11-24T09:00:00Z') };
    const stores = createDynamoStores({ tableName, client, clock });
    const scheduler = new RecordingScheduler();
    const rule = aRule({
      id: 'spike',
      on: { source: ['acme.cases'], 'detail-type': ['CaseOpened'] },
      threshold: { count: 5, within: 'PT1H', key: 'detail.problemCode' },
      to: { email: 'ops@acme.example' },
      channels: ['email'],
      template: 'spike',
    });
    const deps: EvaluateDeps = {
      ...stores,
      suppressions: new DynamoSuppressionStore({ tableName, client }),
      scheduler,
      clock,
      settings: settings(),
      rules: compileRuleSet([rule]),
    };
    const events = Array.from({ length: 8 }, (_, index) =>
      anEvent({
        id: `e${index}`,
        source: 'acme.cases',
        'detail-type': 'CaseOpened',
        time: `2026-11-24T08:0${index}:00Z`,
        detail: { problemCode: 'INV', customer: aCustomer({ id: `cust-${index}` }) },
      }),
    );

    // Act
    const results = await Promise.all(
      [...events, ...events, ...events].map((event) => evaluateEvent(event, deps)),
    );

    // Assert
    const alertIds = new Set(results.flatMap((result) => result.planned.map((planned) => planned.messageId)));
    expect(alertIds.size).toBe(1);
    expect(scheduler.due.size).toBe(1);
    expect(results.filter((result) => result.counted[0]?.outcome === 'counted')).toHaveLength(8);
    expect(
      await stores.thresholds.countThresholdEvents(
        'spike#INV',
        '2026-11-24T07:00:00.000Z',
        '2026-11-24T09:00:00.000Z',
      ),
    ).toBe(8);
    const [alertId = ''] = alertIds;
    const alert = await stores.messages.getMessage(alertId);
    expect(alert).toMatchObject({
      customerId: 'ops:spike',
      status: 'scheduled',
      threshold: { value: 'INV', threshold: 5, within: 'PT1H', key: 'detail.problemCode' },
    });
    expect(alert?.threshold?.count).toBeGreaterThanOrEqual(5);
    expect(alert?.threshold?.samples.length).toBe(5);
    expect(calls.counts().Scan ?? 0).toBe(0);
  });
});
