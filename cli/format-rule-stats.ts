import type { RuleStatsReport } from '../functions/app/rule-stats-report.ts';

/** The columns `nudge stats` prints, with their headings. */
const COLUMNS = [
  ['planned', 'planned'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['undelivered', 'undeliv'],
  ['bounced', 'bounced'],
  ['failed', 'failed'],
  ['suppressed', 'held'],
  ['cancelled', 'cancelled'],
  ['replied', 'replied'],
  ['optedOut', 'opted-out'],
] as const;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, index) =>
    Math.max(cell.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function counts(record: Readonly<Record<string, number>>): string[] {
  return COLUMNS.map(([counter]) => String(record[counter] ?? 0));
}

/** One line per rule: its totals over the period (every report covers the same days). */
export function formatRulesTotals(reports: ReadonlyArray<RuleStatsReport>): string {
  const first = reports[0];
  if (first === undefined) return 'No rules.\n';
  const heading = `${first.from} – ${first.to} (UTC days)\n`;
  return (
    heading +
    table(
      ['rule', ...COLUMNS.map(([, label]) => label)],
      reports.map((report) => [report.ruleId, ...counts(report.totals)]),
    )
  );
}

/** One rule: a line per UTC day, then the totals and what held messages back, by reason. */
export function formatRuleDays(report: RuleStatsReport): string {
  const rows = report.days.map((day) => [day.day, ...counts(day.counts)]);
  rows.push(['total', ...counts(report.totals)]);
  const reasons = Object.entries(report.totals)
    .filter(([counter]) => counter.includes(':'))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([counter, count]) => `  ${counter.replace(':', ': ')}  ${count}\n`)
    .join('');
  const heading = `${report.ruleId}: ${report.from} – ${report.to} (UTC days)\n`;
  return (
    heading +
    table(['day', ...COLUMNS.map(([, label]) => label)], rows) +
    (reasons === '' ? '' : `by reason:\n${reasons}`)
  );
}
