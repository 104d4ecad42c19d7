import type { SimulationLine } from '../functions/simulator/run-simulation.ts';

/**
 * The human view of a simulation: one row per decision in time order, then counts per rule.
 * Message text is cut to fit a terminal (`--format jsonl` has everything); a reason is printed
 * whole, with the detail the engine recorded, so every held-back message explains itself.
 */
export function formatSimulationTable(
  lines: ReadonlyArray<SimulationLine>,
  ruleIds: ReadonlyArray<string>,
): string {
  const rows = lines.map((line) => [
    line.time.replace('T', ' ').slice(0, 16),
    line.outcome,
    line.ruleId ?? '-',
    line.customerId ?? '-',
    line.channel === null
      ? '-'
      : `${line.channel}${line.segments === null ? '' : ` ${line.encoding}×${line.segments}`}`,
    explanation(line),
  ]);
  const header = ['time (UTC)', 'outcome', 'rule', 'customer', 'channel', 'text or reason'];
  const out = [table([header, ...rows]), ''];
  const counts = new Map<string, Record<SimulationLine['outcome'], number>>();
  for (const id of ruleIds) counts.set(id, { sent: 0, suppressed: 0, cancelled: 0, rejected: 0, pending: 0 });
  let rejected = 0;
  for (const line of lines) {
    if (line.ruleId === null) {
      rejected++;
      continue;
    }
    const row = counts.get(line.ruleId) ?? { sent: 0, suppressed: 0, cancelled: 0, rejected: 0, pending: 0 };
    row[line.outcome]++;
    counts.set(line.ruleId, row);
  }
  const summary = [...counts].map(([id, c]) =>
    [id, c.sent, c.suppressed, c.cancelled, c.pending].map(String),
  );
  out.push(table([['rule', 'sent', 'suppressed', 'cancelled', 'pending'], ...summary]));
  out.push(`${lines.length - rejected} decisions, ${rejected} rejected input line(s).`, '');
  return out.join('\n');
}

function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const render = (row: ReadonlyArray<string>) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  if (head === undefined) return '';
  return [render(head), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(render)].join('\n');
}

/** The last column: a sent message's text, or the reason with its detail (never cut). */
function explanation(line: SimulationLine): string {
  const why =
    line.reason === null ? '' : line.detail === null ? line.reason : `${line.reason}: ${line.detail}`;
  if (line.outcome !== 'sent') return why.replace(/\s+/g, ' ');
  const text = cut(line.subject ?? line.body ?? '', 60);
  return why === '' ? text : `${text} [${why.replace(/\s+/g, ' ')}]`;
}

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
