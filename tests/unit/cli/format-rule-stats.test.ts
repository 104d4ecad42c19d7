import { describe, expect, it } from 'vitest';
import { formatRuleDays, formatRulesTotals } from '../../../cli/format-rule-stats.ts';
import type { RuleStatsReport } from '../../../functions/app/rule-stats-report.ts';

const report: RuleStatsReport = {
  ruleId: 'renewal-reminder',
  from: '2026-11-23',
  to: '2026-11-24',
  days: [
    { day: '2026-11-23', counts: { planned: 3, sent: 2, 'suppressed:no-consent': 1, suppressed: 1 } },
    { day: '2026-11-24', counts: { planned: 1, delivered: 2 } },
  ],
  totals: { planned: 4, sent: 2, delivered: 2, suppressed: 1, 'suppressed:no-consent': 1 },
};

describe('nudge stats output', () => {
  it('prints one rule day by day, a total line and the reasons', () => {
    expect(formatRuleDays(report)).toBe(
      [
        'renewal-reminder: 2026-11-23 – 2026-11-24 (UTC days)',
        'day         planned  sent  delivered  undeliv  bounced  failed  held  cancelled  replied  opted-out',
        '2026-11-23        3     2          0        0        0       0     1          0        0          0',
        '2026-11-24        1     0          2        0        0       0     0          0        0          0',
        'total             4     2          2        0        0       0     1          0        0          0',
        'by reason:',
        '  suppressed: no-consent  1',
        '',
      ].join('\n'),
    );
  });

  it('prints every rule on one line of totals', () => {
    const other: RuleStatsReport = { ...report, ruleId: 'x', totals: {} };

    expect(formatRulesTotals([report, other]).split('\n')).toEqual([
      '2026-11-23 – 2026-11-24 (UTC days)',
      'rule              planned  sent  delivered  undeliv  bounced  failed  held  cancelled  replied  opted-out',
      'renewal-reminder        4     2          2        0        0       0     1          0        0          0',
      'x                       0     0          0        0        0       0     0          0        0          0',
      '',
    ]);
    expect(formatRulesTotals([])).toBe('No rules.\n');
  });
});
