/** The behavioural contract of the GoalLedger port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { GoalDecision } from '../../functions/app/ports/goals.ts';
import type { MakeStores } from './store-contract-fixtures.ts';

const decision = (messageId: string, at: string, group: GoalDecision['group'] = 'sent'): GoalDecision => ({
  ruleId: 'invoice-reminder',
  messageId,
  group,
  at,
});

const ALL = { from: '2026-01-01T00:00:00.000Z', until: '2026-12-31T23:59:59.999Z' };

/** Registers the GoalLedger contract for one implementation. */
export function describeGoalLedgerContract(name: string, makeStores: MakeStores): void {
  describe(`GoalLedger contract: ${name}`, () => {
    test('a decision is recorded once per message and counted once in its day and group', async () => {
      const { goals } = await makeStores();
      const first = decision('m-1', '2026-11-23T09:00:00.000Z');

      const outcomes = [
        await goals.recordDecision(first, { goal: 'INV-1', avoid: 'cust-anna' }),
        await goals.recordDecision(first, { goal: 'INV-1', avoid: 'cust-anna' }),
        await goals.recordDecision(decision('m-2', '2026-11-23T23:59:59.999Z', 'held-out'), {
          goal: 'INV-2',
        }),
        await goals.recordDecision(decision('m-3', '2026-11-24T00:00:00.000Z'), { goal: 'INV-3' }),
      ];
      const tallies = await goals.tallies('invoice-reminder', '2026-11-23', '2026-11-23');

      expect(outcomes).toEqual(['created', 'exists', 'created', 'created']);
      expect(tallies).toEqual([
        {
          ruleId: 'invoice-reminder',
          day: '2026-11-23',
          group: 'held-out',
          decisions: 1,
          goals: 0,
          avoids: 0,
        },
        { ruleId: 'invoice-reminder', day: '2026-11-23', group: 'sent', decisions: 1, goals: 0, avoids: 0 },
      ]);
    });

    test('finds decisions by rule, kind and key value within the range (bounds included)', async () => {
      const { goals } = await makeStores();
      await goals.recordDecision(decision('m-early', '2026-11-16T08:59:59.999Z'), { goal: 'INV-1' });
      await goals.recordDecision(decision('m-from', '2026-11-16T09:00:00.000Z'), { goal: 'INV-1' });
      await goals.recordDecision(decision('m-until', '2026-11-23T09:00:00.000Z', 'held-out'), {
        goal: 'INV-1',
      });
      await goals.recordDecision(decision('m-late', '2026-11-23T09:00:00.001Z'), { goal: 'INV-1' });
      await goals.recordDecision(decision('m-other', '2026-11-20T09:00:00.000Z'), { goal: 'INV-2' });
      await goals.recordDecision(decision('m-avoid', '2026-11-20T09:00:00.000Z'), { avoid: 'INV-1' });

      const found = await goals.findDecisions('invoice-reminder', 'goal', 'INV-1', {
        from: '2026-11-16T09:00:00.000Z',
        until: '2026-11-23T09:00:00.000Z',
      });

      expect(found).toEqual([
        { ...decision('m-from', '2026-11-16T09:00:00.000Z'), converted: false },
        { ...decision('m-until', '2026-11-23T09:00:00.000Z', 'held-out'), converted: false },
      ]);
    });

    test('a decision converts at most once per kind; only the winner counts', async () => {
      const { goals } = await makeStores();
      const held = decision('m-1', '2026-11-23T09:00:00.000Z', 'held-out');
      await goals.recordDecision(held, { goal: 'INV-1', avoid: 'cust-anna' });
      const by = (eventId: string) => ({ eventId, at: '2026-11-24T10:00:00.000Z' });

      const racing = await Promise.all([
        goals.convert('goal', 'INV-1', held, by('pay-1')),
        goals.convert('goal', 'INV-1', held, by('pay-1-duplicate')),
        goals.convert('goal', 'INV-1', held, by('pay-2')),
      ]);
      const avoid = await goals.convert('avoid', 'cust-anna', held, by('call-1'));
      const unknown = await goals.convert('goal', 'INV-9', decision('m-9', held.at), by('pay-9'));
      const [found] = await goals.findDecisions('invoice-reminder', 'goal', 'INV-1', ALL);
      const tallies = await goals.tallies('invoice-reminder', '2026-11-01', '2026-11-30');

      expect(racing.filter((outcome) => outcome === 'converted')).toHaveLength(1);
      expect(racing.filter((outcome) => outcome === 'already')).toHaveLength(2);
      expect([avoid, unknown]).toEqual(['converted', 'already']);
      expect(found?.converted).toBe(true);
      expect(tallies).toEqual([
        {
          ruleId: 'invoice-reminder',
          day: '2026-11-23',
          group: 'held-out',
          decisions: 1,
          goals: 1,
          avoids: 1,
        },
      ]);
    });

    test('tallies are per rule and within the days asked for', async () => {
      const { goals } = await makeStores();
      await goals.recordDecision(decision('m-1', '2026-11-22T09:00:00.000Z'), { goal: 'A' });
      await goals.recordDecision(decision('m-2', '2026-11-23T09:00:00.000Z'), { goal: 'B' });
      await goals.recordDecision(decision('m-3', '2026-11-24T09:00:00.000Z'), { goal: 'C' });
      await goals.recordDecision(
        { ...decision('m-4', '2026-11-23T09:00:00.000Z'), ruleId: 'other' },
        { goal: 'A' },
      );

      const days = (await goals.tallies('invoice-reminder', '2026-11-23', '2026-11-24')).map((t) => t.day);

      expect(days).toEqual(['2026-11-23', '2026-11-24']);
    });
  });
}
