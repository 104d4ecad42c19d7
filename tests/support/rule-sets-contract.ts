/**
 * The ONE behavioural contract of {@link RuleSetStore}, run against memory, DynamoDB Local and
 * dynalite: versions numbered from a counter and immutable, one pointer moved only from the
 * version the caller saw (two publishers → one winner, one conflict), a version larger than
 * DynamoDB's 400 KB item limit stored whole, rollbacks to missing versions refused, every move
 * audited. Every test gets a fresh, empty store.
 */
import { describe, expect, test } from 'vitest';
import {
  RuleSetConflictError,
  type RuleSetContent,
  RuleSetNotFoundError,
  type RuleSetStore,
} from '../../functions/app/ports/rule-sets.ts';
import { EngineSettingsSchema } from '../../functions/core/config/engine-settings.ts';

const AT = '2026-12-05T08:00:00.000Z';

/** A rule set whose only template says `text`. */
function content(text: string): RuleSetContent {
  return {
    settings: EngineSettingsSchema.parse({}),
    rules: [],
    templates: { 'greeting/sv.sms.liquid': text },
  };
}

function by(who: string, expectedVersion: number | undefined, message = 'change') {
  return { expectedVersion, at: AT, by: who, message };
}

/** Runs the rule-set store contract against a store factory. */
export function describeRuleSetsContract(name: string, makeStore: () => Promise<RuleSetStore>): void {
  describe(`RuleSetStore contract: ${name}`, () => {
    test('an empty store has no active version, no versions and no history', async () => {
      const store = await makeStore();

      expect(await store.active()).toBeUndefined();
      expect(await store.listVersions()).toEqual([]);
      expect(await store.history()).toEqual([]);
      expect(await store.getVersion(1)).toBeUndefined();
    });

    test('publishes number versions 1, 2, … and move the pointer; each version reads back as published', async () => {
      const store = await makeStore();

      const first = await store.publish(content('Hej!'), by('ann', undefined, 'first'));
      const second = await store.publish(content('Hallå!'), by('bo', 1, 'second'));

      expect([first.to, second.to]).toEqual([1, 2]);
      expect(second).toMatchObject({
        seq: 2,
        action: 'publish',
        from: 1,
        to: 2,
        by: 'bo',
        message: 'second',
      });
      expect((await store.active())?.version).toBe(2);
      expect((await store.getVersion(1))?.content.templates).toEqual({ 'greeting/sv.sms.liquid': 'Hej!' });
      expect(await store.getVersion(2)).toMatchObject({ version: 2, createdBy: 'bo', message: 'second' });
      expect((await store.listVersions()).map((v) => v.version)).toEqual([1, 2]);
    });

    test('two concurrent publishers from the same version: exactly one wins, the other gets a conflict', async () => {
      const store = await makeStore();
      await store.publish(content('base'), by('ann', undefined));

      const results = await Promise.allSettled([
        store.publish(content('from A'), by('a', 1)),
        store.publish(content('from B'), by('b', 1)),
      ]);

      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.status === 'rejected' && lost[0].reason).toBeInstanceOf(RuleSetConflictError);
      const active = await store.active();
      const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
      expect(active?.version).toBe(winner?.to);
      const activeText = (await store.getVersion(active?.version ?? 0))?.content.templates[
        'greeting/sv.sms.liquid'
      ];
      expect(activeText).toBe(winner?.by === 'a' ? 'from A' : 'from B');
      expect((await store.history()).map((move) => move.seq)).toEqual([2, 1]);
    });

    test('a publish from a stale version is refused and changes nothing active', async () => {
      const store = await makeStore();
      await store.publish(content('one'), by('ann', undefined));
      await store.publish(content('two'), by('ann', 1));

      await expect(store.publish(content('three'), by('bo', 1))).rejects.toThrow(
        /expected active version 1, but version 2/,
      );
      expect((await store.active())?.version).toBe(2);
    });

    test('a 1 MB version (over the 400 KB item limit) round-trips byte for byte', async () => {
      const store = await makeStore();
      // Multi-byte characters, so a split in the middle of one would show.
      const big = 'åäö€😀 '.repeat(80_000);
      expect(Buffer.byteLength(big, 'utf8')).toBeGreaterThan(1_000_000);

      await store.publish(content(big), by('ann', undefined));

      expect((await store.getVersion(1))?.content.templates['greeting/sv.sms.liquid']).toBe(big);
    });

    test('rollback makes an earlier version active again and is audited; to a missing version it is refused', async () => {
      const store = await makeStore();
      await store.publish(content('one'), by('ann', undefined));
      await store.publish(content('two'), by('ann', 1));

      await expect(store.rollback(7, by('bo', 2, 'oops'))).rejects.toBeInstanceOf(RuleSetNotFoundError);
      expect((await store.active())?.version).toBe(2);
      const back = await store.rollback(1, by('bo', 2, 'too chatty'));

      expect(back).toMatchObject({ action: 'rollback', from: 2, to: 1, by: 'bo', message: 'too chatty' });
      expect((await store.active())?.version).toBe(1);
      expect((await store.history()).map((move) => [move.action, move.from, move.to])).toEqual([
        ['rollback', 2, 1],
        ['publish', 1, 2],
        ['publish', undefined, 1],
      ]);
    });

    test('a seed makes version 1 active once; a second seed (another cold start) changes nothing', async () => {
      const store = await makeStore();

      const [a, b] = await Promise.all([
        store.seed(content('bundled'), { at: AT, by: 'deploy', message: 'seed' }),
        store.seed(content('bundled'), { at: AT, by: 'deploy', message: 'seed' }),
      ]);
      const again = await store.seed(content('other'), { at: AT, by: 'deploy', message: 'seed' });

      expect([a.version, b.version, again.version]).toEqual([1, 1, 1]);
      expect(await store.history()).toHaveLength(1);
      expect((await store.getVersion(1))?.content.templates['greeting/sv.sms.liquid']).toBe('bundled');
      const next = await store.publish(content('edited'), by('ann', 1));
      expect(next.to).toBe(2);
    });

    test('the backtest summary is kept with the version and the move', async () => {
      const store = await makeStore();
      const backtest = { events: 120, planned: { before: 10, after: 12 } };

      await store.publish(content('one'), { ...by('ann', undefined), backtest });

      expect((await store.getVersion(1))?.backtest).toEqual(backtest);
      expect((await store.history())[0]?.backtest).toEqual(backtest);
    });
  });
}
