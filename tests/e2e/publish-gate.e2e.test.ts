import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { publishRules, rollbackRules, ruleHistory } from '../../cli/commands/rules-versions.command.ts';
import { startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import {
  capture,
  orderPlaced,
  project,
  removeProjects,
  sentFor,
  targetOf,
} from '../support/runtime-rule-sets.ts';

// Issue 12's "Done when", on DynamoDB Local as `npm start` runs it: a fixture project, an event
// under version 1, a template edited in the file, published through the CLI's function with the
// gate (diff, backtest over the runtime's event archive, cost preview), the next event under
// version 2 with the new text, a rollback, the old text again. Then the bad inputs: two
// publishers at once, a rollback to a version that does not exist.

/** Monday 10:00 UTC. */
const START = DateTime.fromISO('2026-12-07T10:00:00Z', { zone: 'utc' });
afterAll(removeProjects);

const RULE = `id: order-thanks
description: Thanks right after an order.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: immediately
window: always
channels: [sms]
template: order-thanks
`;
const TEMPLATE = 'templates/order-thanks/en.sms.liquid';

function projectDir(text: string): string {
  return project({
    'rules/order-thanks.yaml': RULE,
    [TEMPLATE]: text,
    'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
  });
}

const paths = (dir: string) => ({
  rules: join(dir, 'rules'),
  templates: join(dir, 'templates'),
  config: join(dir, 'nudge.config.yaml'),
});

describe('the publish gate on npm start (DynamoDB Local)', () => {
  it('publish with backtest and cost preview, next message under the new version; rollback, the old text again; a conflict and a missing version change nothing', async () => {
    const dir = projectDir('Thanks for order {{ detail.orderId }}.\n');
    const runtime = await startLocalRuntime({
      projectDir: dir,
      demo: false,
      watch: false,
      speed: 0,
      clockStart: START,
      ports: { console: 0, events: 0 },
    });
    const target = targetOf(runtime);
    try {
      const before = ['A-1', 'A-2', 'A-3'];
      for (const order of before) await runtime.evaluate(orderPlaced(runtime, order));
      await runtime.settle();
      expect(await sentFor(runtime, 'A-1')).toMatchObject({
        body: 'Thanks for order A-1.',
        ruleSetVersion: 1,
      });

      writeFileSync(join(dir, TEMPLATE), 'We got order {{ detail.orderId }}!\n');
      const gate = capture();
      const now = runtime.clock.now().toJSDate();
      const code = await publishRules(
        { ...paths(dir), yes: true, as: 'ops', message: 'friendlier', days: 1, now },
        target,
        gate,
      );
      expect(code, gate.text()).toBe(0);

      // Oracle: the test sent three matching events, each an immediate SMS on both versions.
      const [move] = await runtime.stores.ruleSets.history(1);
      expect(move).toMatchObject({ action: 'publish', from: 1, to: 2, by: 'ops', message: 'friendlier' });
      expect(move?.backtest).toMatchObject({
        events: { read: before.length, replayed: before.length, malformed: 0 },
        totals: {
          active: { planned: before.length, sent: before.length },
          candidate: { planned: before.length, sent: before.length },
        },
        differing: before.length,
      });
      expect(gate.text()).toContain('- Thanks for order {{ detail.orderId }}.');
      expect(gate.text()).toContain('+ We got order {{ detail.orderId }}!');
      expect(gate.text()).toContain(`Backtest: ${before.length} events replayed`);
      expect(gate.text()).toContain('"We got order A-1!"');
      expect(gate.text()).toMatch(/Cost preview \(USD/);
      // The shipped price table has no source for Sweden: the gate says so.
      expect(gate.text()).toMatch(/unverified prices.*SE/);

      const history = capture();
      await ruleHistory(runtime.stores.ruleSets, 1, history);
      expect(history.text()).toContain(
        `backtest: ${before.length} events (last 1 d); planned ${before.length} → ${before.length}, sent ${before.length} → ${before.length}`,
      );

      runtime.clock.advance({ seconds: 30 });
      await runtime.evaluate(orderPlaced(runtime, 'B-1'));
      await runtime.settle();
      expect(await sentFor(runtime, 'B-1')).toMatchObject({ body: 'We got order B-1!', ruleSetVersion: 2 });

      expect(await rollbackRules(undefined, { yes: true, as: 'ops' }, target, capture())).toBe(0);
      runtime.clock.advance({ seconds: 30 });
      await runtime.evaluate(orderPlaced(runtime, 'C-1'));
      await runtime.settle();
      expect(await sentFor(runtime, 'C-1')).toMatchObject({
        body: 'Thanks for order C-1.',
        ruleSetVersion: 1,
      });

      // Two publishers at once, each with its own edit: one wins, the other gets a clear conflict.
      const other = projectDir('Order {{ detail.orderId }} is in.\n');
      const mine = projectDir('Order {{ detail.orderId }} received.\n');
      const empty = join(mine, 'none.jsonl');
      writeFileSync(empty, '');
      const [first, second] = [capture(), capture()];
      const codes = await Promise.all([
        publishRules({ ...paths(other), yes: true, as: 'ann', events: empty }, target, first),
        publishRules({ ...paths(mine), yes: true, as: 'bo', events: empty }, target, second),
      ]);
      expect([...codes].sort()).toEqual([0, 1]);
      const loser = codes[0] === 1 ? first : second;
      expect(loser.text()).toMatch(/conflict: expected active version 1, but version \d+ is active/);
      const afterRace = await runtime.stores.ruleSets.active();
      expect(afterRace?.lastMove.by).toBe(codes[0] === 0 ? 'ann' : 'bo');
      expect(afterRace?.lastMove.from).toBe(1);

      // A rollback to a version that does not exist: a clear message, nothing changed.
      const historyBefore = await runtime.stores.ruleSets.history(50);
      const missing = capture();
      expect(await rollbackRules(99, { yes: true, as: 'ops' }, target, missing)).toBe(1);
      expect(missing.text()).toContain('Rule-set version 99 does not exist; nothing was changed.');
      expect(await runtime.stores.ruleSets.active()).toEqual(afterRace);
      expect(await runtime.stores.ruleSets.history(50)).toEqual(historyBefore);
    } finally {
      await runtime.stop();
    }
  }, 180_000);
});
