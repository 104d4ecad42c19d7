import { DateTime } from 'luxon';
import type { SimulationLine } from '../functions/simulator/run-simulation.ts';

/** Outcome counts over every journey of a demo. */
type DemoTotals = Record<SimulationLine['outcome'], number>;

/** Counts that start at zero, for {@link formatDemoJourney} to add to. */
export function emptyDemoTotals(): DemoTotals {
  return { sent: 0, suppressed: 0, cancelled: 0, rejected: 0, pending: 0 };
}

/**
 * One journey of `nudge demo`, compact: a line per decision with the time as the recipient lives
 * it (their zone named), what happened, to whom, and the text or the reason with its detail.
 * Rejected input lines have no recipient: their time is UTC, and says so.
 */
export function formatDemoJourney(lines: ReadonlyArray<SimulationLine>, totals: DemoTotals): string {
  const rows = lines.map((line) => {
    totals[line.outcome]++;
    const who = line.ruleId === null ? '(input)' : `${line.ruleId} → ${line.customerId ?? '?'}`;
    return [localTime(line.time, line.timeZone), line.outcome, who, what(line)];
  });
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      `  ${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  ')}`.trimEnd(),
    )
    .join('\n');
}

/** The closing line: totals over every journey. */
export function formatDemoTotals(journeys: number, totals: DemoTotals): string {
  const held = totals.suppressed;
  return `${journeys} journeys: ${totals.sent} sent, ${totals.pending} pending, ${held} held back, ${totals.cancelled} cancelled, ${totals.rejected} input line(s) rejected.`;
}

/** `Fri 1 Jan 2027 10:00 Europe/Stockholm`: a time is never shown without its zone. */
function localTime(iso: string, zone: string | null): string {
  const at = DateTime.fromISO(iso, { zone: zone ?? 'utc' }).setLocale('en-GB');
  return `${at.toFormat('ccc d LLL yyyy HH:mm')} ${zone ?? 'UTC'}`;
}

function what(line: SimulationLine): string {
  const why =
    line.reason === null ? '' : line.detail === null ? line.reason : `${line.reason}: ${line.detail}`;
  if (line.outcome !== 'sent' && line.outcome !== 'pending') return why;
  const text = (line.subject ?? line.body ?? '').replace(/\s+/g, ' ').trim();
  const short = text.length <= 50 ? text : `${text.slice(0, 49)}…`;
  return `${line.channel ?? ''} "${short}"${why === '' ? '' : ` (${why})`}`;
}
