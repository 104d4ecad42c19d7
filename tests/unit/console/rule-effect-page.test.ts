import { describe, expect, it } from 'vitest';
import type { RuleEffect } from '../../../functions/app/rule-effect.ts';
import { ruleEffectPage } from '../../../functions/console/pages/rule-effect-page.ts';
import { computeLift } from '../../../functions/core/effect/lift.ts';
import { startConsoleHarness } from '../../support/fake-console-backend.ts';

/** Markup without tags, whitespace collapsed: what a reader sees. */
const text = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('the rule effect page', () => {
  it('shows both groups, their rates and the lift with its 95 % interval', () => {
    const effect: RuleEffect = {
      ruleId: 'invoice-reminder',
      from: '0000-01-01',
      to: '9999-12-31',
      goal: computeLift({ decisions: 200, conversions: 60 }, { decisions: 100, conversions: 20 }),
      avoid: computeLift({ decisions: 200, conversions: 3 }, { decisions: 10, conversions: 1 }),
    };

    const shown = text(ruleEffectPage(effect, ['goal', 'avoid']).toString());

    expect(shown).toContain('Messaged 200 60 30.0 %');
    expect(shown).toContain('Held out 100 20 20.0 %');
    // Worked by hand (Wilson intervals 0.2407–0.3668 and 0.1334–0.2888, Newcombe 1998 method 10):
    // 0.1 − √(0.0593² + 0.0888²) = −0.0068; 0.1 + √(0.0668² + 0.0666²) = 0.1943.
    expect(shown).toContain('Lift +10.0 pp (95 % CI −0.7 pp to +19.4 pp');
    expect(shown).toContain('relative +50.0 %');
    expect(shown).toContain('Messaged 200 3 1.5 %');
    expect(shown).toMatch(/Not enough data: .*held-out/);
  });

  it('escapes the rule id and says when nothing was recorded', () => {
    const effect: RuleEffect = {
      ruleId: '<x>',
      from: '2026-12-01',
      to: '2026-12-31',
      goal: computeLift({ decisions: 0, conversions: 0 }, { decisions: 0, conversions: 0 }),
      avoid: computeLift({ decisions: 0, conversions: 0 }, { decisions: 0, conversions: 0 }),
    };

    const markup = ruleEffectPage(effect, []).toString();

    expect(markup).not.toContain('<x>');
    expect(text(markup)).toContain('No decisions recorded');
    expect(text(markup)).toContain('2026-12-01 to 2026-12-31');
  });
});

describe('GET /rules/:id/effect', () => {
  it('renders the rule’s effect page for a viewer, and 404 for an unknown rule', async () => {
    const effect: RuleEffect = {
      ruleId: 'invoice-reminder',
      from: '0000-01-01',
      to: '9999-12-31',
      goal: computeLift({ decisions: 70, conversions: 56 }, { decisions: 80, conversions: 48 }),
      avoid: computeLift({ decisions: 0, conversions: 0 }, { decisions: 0, conversions: 0 }),
    };
    const harness = await startConsoleHarness((backend) => backend.effects.set('invoice-reminder', effect));
    try {
      const found = await harness.request('/rules/invoice-reminder/effect');
      const unknown = await harness.request('/rules/no-such-rule/effect');

      expect(found.status).toBe(200);
      const shown = text(await found.text());
      expect(shown).toContain('Messaged 70 56 80.0 %'); // 56/70
      expect(shown).toContain('Held out 80 48 60.0 %'); // 48/80
      expect(shown).toContain('Lift +20.0 pp');
      expect(shown).not.toContain('Avoid');
      expect(unknown.status).toBe(404);
    } finally {
      await harness.server.stop();
    }
  });
});
