import { describe, expect, it } from 'vitest';
import { ALL_FROM, ALL_TO, formatEffectReport } from '../../../cli/format-effect-report.ts';
import { computeLift } from '../../../functions/core/effect/lift.ts';

describe('nudge report, as printed', () => {
  it('prints both groups, the lift in percentage points with its interval, and "not enough data"', () => {
    const text = formatEffectReport([
      {
        effect: {
          ruleId: 'invoice-reminder',
          from: ALL_FROM,
          to: ALL_TO,
          goal: computeLift({ decisions: 70, conversions: 56 }, { decisions: 80, conversions: 48 }),
          avoid: computeLift({ decisions: 70, conversions: 3 }, { decisions: 80, conversions: 9 }),
        },
        kinds: ['goal', 'avoid'],
      },
    ]);

    // 56/70 = 80.0 %, 48/80 = 60.0 %; Newcombe 1998: 0.0524 to 0.3339; relative 0.2 / 0.6.
    expect(text.split('\n')).toEqual([
      'invoice-reminder (all days)',
      '  goal   sent 70, converted 56 (80.0 %); held out 80, converted 48 (60.0 %)',
      '         lift +20.0 pp (95 % CI +5.2 to +33.4 pp), relative +33 %',
      '  avoid  sent 70, converted 3 (4.3 %); held out 80, converted 9 (11.3 %)',
      '         not enough data: sent: 3 conversions (at least 5 needed)',
      '',
      'Interval: Newcombe hybrid score (Wilson) interval for a difference of proportions, 95 %.',
      '',
    ]);
  });
});
