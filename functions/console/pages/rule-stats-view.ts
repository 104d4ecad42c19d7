/**
 * A rule's daily counters as the rules page shows them: a table of the period's totals and a
 * small chart of sent, delivered and failed per day. Pure (data → HTML); the chart is inline SVG
 * drawn with presentation attributes only (no script, no style attribute), so the console's
 * Content-Security-Policy allows it as it is.
 */
import type { RuleDayStats } from '../../app/ports/rule-stats.ts';
import { RULE_COUNTERS } from '../../app/rule-stat-counters.ts';
import { html, type SafeHtml } from '../html.ts';

/** The series the chart draws, with their colours (the console's status badge tones). */
const SERIES = [
  { counter: 'sent', label: 'sent', colour: '#1f55b5' },
  { counter: 'delivered', label: 'delivered', colour: '#16794a' },
  { counter: 'failed', label: 'failed', colour: '#b42323' },
] as const;

/** Human labels of the counters. */
const LABELS: Readonly<Record<(typeof RULE_COUNTERS)[number], string>> = {
  planned: 'Planned',
  sent: 'Sent',
  delivered: 'Delivered',
  undelivered: 'Undelivered',
  bounced: 'Bounced',
  failed: 'Failed',
  suppressed: 'Held back',
  cancelled: 'Cancelled',
  replied: 'Replied',
  optedOut: 'Opted out',
};

/** The period's totals: one row per counter, then what held messages back, by reason. */
export function ruleStatsTable(
  totals: Readonly<Record<string, number>>,
  period: string,
  suppressedBy: Readonly<Record<string, number>>,
): SafeHtml {
  const rows = RULE_COUNTERS.map(
    (counter) =>
      html`<tr><th scope="row">${LABELS[counter]}</th><td class="num" data-counter="${counter}">${totals[counter] ?? 0}</td></tr>`,
  );
  const reasons = Object.entries(suppressedBy)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([reason, count]) =>
        html`<tr><th scope="row" class="muted">Held back: ${reason}</th><td class="num" data-counter="suppressed:${reason}">${count}</td></tr>`,
    );
  return html`<table class="rule-stats"><caption class="small muted">${period} (UTC days)</caption><tbody>${rows}${reasons}</tbody></table>`;
}

const WIDTH = 300;
const HEIGHT = 80;
const PAD = 2;

/**
 * Sent, delivered and failed per day as three polylines over the days (oldest left), scaled to
 * the period's highest daily count, with an accessible title and one `<title>` per point.
 */
export function ruleStatsChart(days: ReadonlyArray<RuleDayStats>, ruleId: string): SafeHtml {
  const highest = Math.max(
    1,
    ...days.flatMap((day) => SERIES.map((series) => day.counts[series.counter] ?? 0)),
  );
  const step = days.length > 1 ? (WIDTH - 2 * PAD) / (days.length - 1) : 0;
  const x = (index: number): string => (PAD + index * step).toFixed(1);
  const y = (count: number): string => (HEIGHT - PAD - (count / highest) * (HEIGHT - 2 * PAD)).toFixed(1);
  const lines = SERIES.map((series) => {
    const points = days.map((day, index) => `${x(index)},${y(day.counts[series.counter] ?? 0)}`).join(' ');
    return html`<polyline data-series="${series.counter}" fill="none" stroke="${series.colour}" stroke-width="1.5" points="${points}"></polyline>`;
  });
  const first = days[0]?.day ?? '';
  const last = days[days.length - 1]?.day ?? '';
  const legend = SERIES.map(
    (series) =>
      html`<span class="legend"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${series.colour}"></rect></svg> ${series.label}</span>`,
  );
  return html`<figure class="rule-chart">
<svg role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" aria-labelledby="chart-${ruleId}-title">
<title id="chart-${ruleId}-title">${ruleId}: sent, delivered and failed per UTC day, ${first} to ${last}; highest ${highest}</title>
<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" stroke="#dfe3ea" stroke-width="1"></line>
${lines}
</svg>
<figcaption class="small muted">${legend} · ${first} – ${last}, highest day ${highest}</figcaption>
</figure>`;
}
