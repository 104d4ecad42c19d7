import { afterEach, describe, expect, it } from 'vitest';
import { computeLift } from '../../../functions/core/effect/lift.ts';
import { type ConsoleHarness, startConsoleHarness } from '../../support/fake-console-backend.ts';

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

describe('GET /api/rules/:id/effect', () => {
  it('answers the rule’s effect for the days asked for (every day by default)', async () => {
    const effect = {
      ruleId: 'invoice-reminder',
      from: '2026-12-01',
      to: '2026-12-07',
      goal: computeLift({ decisions: 70, conversions: 56 }, { decisions: 80, conversions: 48 }),
      avoid: computeLift({ decisions: 0, conversions: 0 }, { decisions: 0, conversions: 0 }),
    };
    harness = await startConsoleHarness((backend) => backend.effects.set('invoice-reminder', effect));

    const ranged = await harness.request('/api/rules/invoice-reminder/effect?from=2026-12-01&to=2026-12-07');
    const all = await harness.request('/api/rules/invoice-reminder/effect');

    expect(ranged.status).toBe(200);
    expect(await ranged.json()).toEqual(JSON.parse(JSON.stringify(effect)));
    expect(all.status).toBe(200);
    expect(harness.backend.effectRanges).toEqual([
      { from: '2026-12-01', to: '2026-12-07' },
      { from: '0000-01-01', to: '9999-12-31' },
    ]);
  });

  it('refuses a malformed day (400) and an unknown rule (404)', async () => {
    harness = await startConsoleHarness();

    const badDay = await harness.request('/api/rules/invoice-reminder/effect?from=last-week');
    const unknown = await harness.request('/api/rules/no-such-rule/effect');

    expect([badDay.status, unknown.status]).toEqual([400, 404]);
    expect(harness.backend.effectRanges).toEqual([{ from: '0000-01-01', to: '9999-12-31' }]);
  });
});
