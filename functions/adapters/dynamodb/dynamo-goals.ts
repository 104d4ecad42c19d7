import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DecisionGroup,
  EffectTally,
  FoundDecision,
  GoalDecision,
  GoalKind,
  GoalLedger,
} from '../../app/ports/goals.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { customerPartition, keyValue } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/**
 * Goal entries and effect tallies (docs/data-model.md):
 * - `GOAL#<ruleId>#<kind>#<keyValue>` / `<messageId>`: one item per decision per goal kind, so a
 *   goal event finds the rule's decisions for its key value with one Query (a handful: one
 *   invoice, one customer) and keeps those in its window; a redelivered decision is the same item;
 *   `convertedBy` is set once, by a conditional update.
 * - `EFFECT#<ruleId>` / `<yyyy-MM-dd>#<group>`: the day's counters (`decisions`, `goals`,
 *   `avoids`), bumped with ADD by the write that created or converted an entry, so the report
 *   reads a few items per rule instead of counting.
 */
const ITEM_TYPES = { goal: 'goal', effect: 'effect' } as const;

function goalPartition(ruleId: string, kind: string, value: string): string {
  return `GOAL#${ruleId}#${kind}#${keyValue(value)}`;
}

function effectKey(ruleId: string, day: string, group: DecisionGroup): { PK: string; SK: string } {
  return { PK: `EFFECT#${ruleId}`, SK: `${day}#${group}` };
}

/** {@link GoalLedger} on the journey table. */
export class DynamoGoalLedger implements GoalLedger {
  constructor(private readonly table: DynamoTable) {}

  async recordDecision(
    decision: GoalDecision,
    keys: Readonly<Partial<Record<GoalKind, string>>>,
  ): Promise<'created' | 'exists'> {
    let created = false;
    for (const [kind, value] of Object.entries(keys)) {
      const outcome = await this.table.putIfAbsent({
        PK: goalPartition(decision.ruleId, kind, value),
        SK: decision.messageId,
        [ATTR.type]: ITEM_TYPES.goal,
        ...decision,
        // Filed under the customer (the `timeline` index), so a privacy export and erase find it.
        ...(decision.customerId === undefined
          ? {}
          : {
              [ATTR.timelinePk]: customerPartition(decision.customerId),
              [ATTR.timelineSk]: `${decision.at}#GOAL#${kind}:${decision.messageId}`,
            }),
        [ATTR.expiresAt]: this.table.expiresAt(decision.at),
      });
      if (outcome === 'created') created = true;
    }
    // Counted by the write that created an entry; a redelivery creates none and counts nothing.
    // (A crash between the put and the ADD loses one count; the entries stay the truth.)
    if (!created) return 'exists';
    await this.bump(decision, 'decisions');
    return 'created';
  }

  async findDecisions(
    ruleId: string,
    kind: GoalKind,
    value: string,
    range: { from: string; until: string },
  ): Promise<FoundDecision[]> {
    const found: FoundDecision[] = [];
    const query = this.table.queryItems({
      // The whole partition: the decisions of one key value (one invoice, one customer) are a
      // handful, and keyed by message id so a redelivered decision is the same item.
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.pk },
      ExpressionAttributeValues: { ':pk': goalPartition(ruleId, kind, value) },
      ConsistentRead: true,
    });
    for await (const item of query) {
      const decision = toFound(item);
      if (decision.at >= range.from && decision.at <= range.until) found.push(decision);
    }
    return found.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  async convert(
    kind: GoalKind,
    value: string,
    decision: GoalDecision,
    by: { eventId: string; at: string },
  ): Promise<'converted' | 'already'> {
    try {
      await this.table.call('UpdateItem', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: {
              PK: goalPartition(decision.ruleId, kind, value),
              SK: decision.messageId,
            },
            UpdateExpression: 'SET #by = :by, #byAt = :byAt',
            // Once per entry: a duplicate, concurrent or late goal event fails here.
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#by)',
            ExpressionAttributeNames: { '#pk': ATTR.pk, '#by': 'convertedBy', '#byAt': 'convertedAt' },
            ExpressionAttributeValues: { ':by': by.eventId, ':byAt': by.at },
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'already';
      throw error;
    }
    await this.bump(decision, kind === 'goal' ? 'goals' : 'avoids');
    return 'converted';
  }

  async tallies(ruleId: string, fromDay: string, toDay: string): Promise<EffectTally[]> {
    const page = await this.table.call('Query', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
          ExpressionAttributeValues: { ':pk': `EFFECT#${ruleId}`, ':from': fromDay, ':to': `${toDay}~` },
          ConsistentRead: true,
        }),
      ),
    );
    // At most two items a day: a year of them is far below a page (1 MB).
    return (page.Items ?? []).map(toTally);
  }

  private async bump(decision: GoalDecision, counter: 'decisions' | 'goals' | 'avoids'): Promise<void> {
    const day = decision.at.slice(0, 10);
    await this.table.call('UpdateItem', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: effectKey(decision.ruleId, day, decision.group),
          UpdateExpression:
            'SET #type = :type, #rule = :rule, #day = :day, #group = :group, #exp = :exp ADD #n :one',
          ExpressionAttributeNames: {
            '#type': ATTR.type,
            '#rule': 'ruleId',
            '#day': 'day',
            '#group': 'group',
            '#exp': ATTR.expiresAt,
            '#n': counter,
          },
          ExpressionAttributeValues: {
            ':type': ITEM_TYPES.effect,
            ':rule': decision.ruleId,
            ':day': day,
            ':group': decision.group,
            ':exp': this.table.expiresAt(decision.at),
            ':one': 1,
          },
        }),
      ),
    );
  }
}

function text(item: Record<string, unknown>, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new TypeError(`goal item without ${name}`);
  return value;
}

function count(item: Record<string, unknown>, name: string): number {
  const value = item[name];
  return typeof value === 'number' ? value : 0;
}

function group(item: Record<string, unknown>): DecisionGroup {
  return text(item, 'group') === 'held-out' ? 'held-out' : 'sent';
}

function toFound(item: Record<string, unknown>): FoundDecision {
  return {
    ruleId: text(item, 'ruleId'),
    messageId: text(item, 'messageId'),
    group: group(item),
    at: text(item, 'at'),
    converted: typeof item.convertedBy === 'string',
  };
}

function toTally(item: Record<string, unknown>): EffectTally {
  return {
    ruleId: text(item, 'ruleId'),
    day: text(item, 'day'),
    group: group(item),
    decisions: count(item, 'decisions'),
    goals: count(item, 'goals'),
    avoids: count(item, 'avoids'),
  };
}
