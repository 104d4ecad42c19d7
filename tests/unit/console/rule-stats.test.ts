import { afterEach, describe, expect, it } from 'vitest';
import type { RuleDayStats } from '../../../functions/app/ports/rule-stats.ts';
import { ruleStatsChart, ruleStatsTable } from '../../../functions/console/pages/rule-stats-view.ts';
import {
  aConsoleRule,
  type ConsoleHarness,
  startConsoleHarness,
} from '../../support/fake-console-backend.ts';

const DAYS: RuleDayStats[] = [
  { day: '2026-11-22', counts: { planned: 4, sent: 4, delivered: 2, failed: 1 } },
  { day: '2026-11-23', counts: {} },
  {
    day: '2026-11-24',
    counts: { planned: 8, sent: 8, delivered: 8, suppressed: 2, 'suppressed:no-consent': 2 },
  },
];

describe('ruleStatsChart (pure render)', () => {
  it('draws sent, delivered and failed as one point per day, scaled to the highest day', () => {
    const svg = ruleStatsChart(DAYS, 'callback-booked').toString();

    // 300 × 80 with a 2 px pad: x at 2, 150, 298; y = 78 − count / 8 × 76.
    expect(svg).toContain(
      'data-series="sent" fill="none" stroke="#1f55b5" stroke-width="1.5" points="2.0,40.0 150.0,78.0 298.0,2.0"',
    );
    expect(svg).toContain(
      'data-series="delivered" fill="none" stroke="#16794a" stroke-width="1.5" points="2.0,59.0 150.0,78.0 298.0,2.0"',
    );
    expect(svg).toContain(
      'data-series="failed" fill="none" stroke="#b42323" stroke-width="1.5" points="2.0,68.5 150.0,78.0 298.0,78.0"',
    );
    expect(svg).toContain('2026-11-22 to 2026-11-24; highest 8');
  });

  it('is CSP-safe: no script, no event handler, no style attribute; the rule id is escaped', () => {
    const svg = ruleStatsChart(DAYS, '<script>x</script>" onload="y').toString();

    expect(svg).not.toMatch(/<script|\son\w+="|style="/i);
    expect(svg).toContain('&lt;script&gt;');
  });

  it('draws an empty period flat on the base line', () => {
    const svg = ruleStatsChart([{ day: '2026-11-24', counts: {} }], 'r').toString();

    expect(svg).toContain('points="2.0,78.0"');
  });
});

describe('ruleStatsTable (pure render)', () => {
  it('lists every counter (0 when absent) and the held-back reasons', () => {
    const table = ruleStatsTable({ planned: 12, sent: 12, optedOut: 1 }, '2026-11-22 – 2026-11-24', {
      'no-consent': 2,
    }).toString();

    for (const [counter, count] of [
      ['planned', 12],
      ['sent', 12],
      ['delivered', 0],
      ['failed', 0],
      ['suppressed', 0],
      ['cancelled', 0],
      ['replied', 0],
      ['optedOut', 1],
      ['suppressed:no-consent', 2],
    ] as const) {
      expect(table).toContain(`data-counter="${counter}">${count}</td>`);
    }
    expect(table).toContain('Held back: no-consent');
  });
});

describe('GET /api/rules/:id/stats and the rules page', () => {
  let harness: ConsoleHarness | undefined;
  afterEach(async () => {
    await harness?.server.stop();
    harness = undefined;
  });

  it('answers the daily counters of the last `days` days with their totals', async () => {
    harness = await startConsoleHarness((backend) => backend.consoleRules.push(aConsoleRule({ days: DAYS })));

    const response = await harness.request('/api/rules/callback-booked/stats?days=2');
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      ruleId: 'callback-booked',
      timeZone: 'UTC',
      from: '2026-11-23',
      to: '2026-11-24',
      totals: { planned: 8, sent: 8, delivered: 8, suppressed: 2, 'suppressed:no-consent': 2 },
      days: DAYS.slice(1),
    });
  });

  it('refuses an unknown rule (404) and a bad `days` (400)', async () => {
    harness = await startConsoleHarness((backend) => backend.consoleRules.push(aConsoleRule({ days: DAYS })));

    const unknown = await harness.request('/api/rules/nope/stats');
    const zero = await harness.request('/api/rules/callback-booked/stats?days=0');
    const huge = await harness.request('/api/rules/callback-booked/stats?days=400');

    expect(unknown.status).toBe(404);
    expect([zero.status, huge.status]).toEqual([400, 400]);
    expect(await zero.json()).toMatchObject({ error: { code: 'invalid-days' } });
  });

  it('shows the table and chart on the rules page', async () => {
    harness = await startConsoleHarness((backend) =>
      backend.consoleRules.push(aConsoleRule({ days: DAYS, counts: { planned: 12 }, suppressedBy: {} })),
    );

    const page = await (await harness.request('/rules')).text();

    expect(page).toContain('<h3>Last 3 days</h3>');
    expect(page).toContain('data-counter="planned">12</td>');
    expect(page).toContain('<polyline data-series="sent"');
  });
});
