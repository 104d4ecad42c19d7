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

/** Items DynamoDB says it read (`ScannedCount`) for every `Select: COUNT` Query, as it answered. */
const countReads: number[] = [];
client.middlewareStack.add(
  (next, context) => async (args) => {
    const result = await next(args);
    const input = args.input as { Select?: string };
    const output = result.output as { ScannedCount?: number };
    if (context.commandName === 'QueryCommand' && input.Select === 'COUNT')
      countReads.push(output.ScannedCount ?? Number.NaN);
    return result;
  },
  { step: 'initialize', name: 'recordCountReads' },
);
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

/** A fresh table and evaluate dependencies with one `spike` rule counting CaseOpened by problem code. */
async function spikeWorld(name: string, threshold: NonNullable<Parameters<typeof aRule>[0]>['threshold']) {
  const tableName = createTestTableName(name);
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const clock = { now: () => at('2026-11-24T09:00:00Z') };
  const stores = createDynamoStores({ tableName, client, clock });
  const scheduler = new RecordingScheduler();
  const rule = aRule({
    id: 'spike',
    on: { source: ['acme.cases'], 'detail-type': ['CaseOpened'] },
    threshold,
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
  return { stores, scheduler, deps };
}

describe('threshold alerts on DynamoDB Local', () => {
  it('concurrent evaluators, each event delivered three times: every event counted once, ONE alert', async () => {
    // Arrange
    const { stores, scheduler, deps } = await spikeWorld('threshold', {
      count: 5,
      within: 'PT1H',
      key: 'detail.problemCode',
    });
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

  it('reads at most the threshold per event, and the alert carries the exact count', async () => {
    // Arrange: 30 cases of one problem a minute apart, all inside one hour's window; an alert
    // at 3, then again once each 9.5-minute cooldown has passed.
    const { stores, deps } = await spikeWorld('threshold-bounded', {
      count: 3,
      within: 'PT1H',
      key: 'detail.problemCode',
      cooldown: 'PT9M30S',
    });
    const minute = (index: number) => `2026-11-24T08:${String(index).padStart(2, '0')}:00Z`;
    countReads.length = 0;

    // Act
    const alertIds: string[] = [];
    for (let index = 0; index < 30; index++) {
      const event = anEvent({
        id: `case-${index}`,
        source: 'acme.cases',
        'detail-type': 'CaseOpened',
        time: minute(index),
        detail: { problemCode: 'INV', customer: aCustomer({ id: `cust-${index}` }) },
      });
      const result = await evaluateEvent(event, deps);
      alertIds.push(...result.planned.map((planned) => planned.messageId));
    }

    // Assert: alerts at the 3rd, 13th and 23rd case (08:02, then past 08:11:30 and 08:21:30),
    // each with every case so far in its window.
    const alerts = await Promise.all(alertIds.map((id) => stores.messages.getMessage(id)));
    expect(alerts.map((alert) => alert?.threshold?.count)).toEqual([3, 13, 23]);
    expect(alerts.map((alert) => alert?.threshold?.lastAt)).toEqual(
      [2, 12, 22].map((index) => `${minute(index).slice(0, -1)}.000Z`),
    );
    // What DynamoDB read: nothing for the 25 cases inside a cooldown (the claim says so), at most
    // the threshold (3) for each of the other 5 (cases 0, 1, 2, 12 and 22), and one count per
    // alert (3 + 13 + 23). A COUNT over the whole window per case would read 1 + 2 + … + 30 = 465.
    const read = countReads.reduce((sum, scanned) => sum + scanned, 0);
    expect(read).toBeLessThanOrEqual(5 * 3 + (3 + 13 + 23));
    expect(countReads.every((scanned) => Number.isInteger(scanned))).toBe(true);
  });
});
