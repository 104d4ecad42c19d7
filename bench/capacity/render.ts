/**
 * Every row of the capacity model, sorted by share of its limit, as a text table for the terminal
 * or a markdown table for docs/capacity.md, plus the limits table the docs cite.
 */
import { LIMITS } from './limits.ts';
import { fmt, MARK_ABOVE, partitionRows, type Row } from './model.ts';
import type { KeyFunctions } from './partitions.ts';
import type { Profile } from './profile.ts';
import { eventBridgeRows, lambdaRows, providerRows, queueAndSecretRows, releaseRows } from './quotas.ts';
import type { Traffic } from './traffic.ts';

/** All rows, the highest share first (rows without a documented number last). */
export function capacityRows(traffic: Traffic, profile: Profile, keys: KeyFunctions): Row[] {
  const rows = [
    ...partitionRows(traffic, profile, keys),
    ...eventBridgeRows(traffic, profile),
    ...releaseRows(traffic, keys),
    ...lambdaRows(traffic, profile),
    ...queueAndSecretRows(traffic),
    ...providerRows(traffic),
  ];
  const rank = (share: number) => (Number.isNaN(share) ? -1 : share);
  return rows.sort((a, b) => rank(b.share) - rank(a.share));
}

function shareText(share: number, limit: number): string {
  if (Number.isNaN(share)) return 'no documented limit';
  if (limit === Number.POSITIVE_INFINITY) return 'no limit';
  return `${fmt(share * 100)} %`;
}

/** A limit's value, and the default it was raised from. */
function limitText(limit: Row['limit']): string {
  return limit.raisedFrom === undefined
    ? fmt(limit.value)
    : `${fmt(limit.value)} (raised from ${fmt(limit.raisedFrom)})`;
}

function mark(share: number): string {
  return share > MARK_ABOVE ? 'OVER' : '';
}

/** The rows as markdown: share, what, load, limit, and the change for every marked row. */
export function markdownTable(rows: ReadonlyArray<Row>): string {
  const lines = [
    '| share of limit | | scenario | what | load | limit | basis | change that brings it under 50 % |',
    '| ---: | --- | --- | --- | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${shareText(r.share, r.limit.value)} | ${mark(r.share) === '' ? '' : '**over 50 %**'} | ${r.scenario} | ${r.group}: ${r.name} | ${fmt(r.load)} ${r.limit.unit} | ${limitText(r.limit)} | ${r.basis} | ${r.share > MARK_ABOVE ? r.fix : ''} |`,
    );
  }
  return lines.join('\n');
}

/** The rows as plain text for the terminal. */
export function textTable(rows: ReadonlyArray<Row>): string {
  const lines: string[] = [];
  for (const r of rows) {
    const head = `${shareText(r.share, r.limit.value).padStart(12)} ${mark(r.share).padEnd(4)} ${r.scenario.padEnd(14)} ${r.group}: ${r.name}`;
    lines.push(head, `${' '.repeat(18)}${fmt(r.load)} of ${limitText(r.limit)} ${r.limit.unit} — ${r.basis}`);
    if (r.share > MARK_ABOVE) lines.push(`${' '.repeat(18)}→ ${r.fix}`);
  }
  return lines.join('\n');
}

/** The measured figures the rows rest on, as markdown bullet lines. */
export function profileSummary(profile: Profile): string {
  const lines = [`Per-unit DynamoDB figures: ${profile.source}, ${profile.measuredAt}.`, ''];
  for (const [work, measured] of Object.entries(profile.work)) {
    const parts = measured.accesses.map(
      (a) =>
        `${a.target} ${a.op} ${fmt(a.calls)} calls / ${fmt(a.units)} u${a.windowCount ? ' (COUNT)' : ''}`,
    );
    const calls = Object.entries(measured.operations).map(([operation, n]) => `${operation} ${fmt(n)}`);
    lines.push(
      `- ${work} (${measured.samples} measured): ${calls.join(', ')} — by partition: ${parts.join('; ')}`,
    );
  }
  lines.push(
    `- outcome events per SMS / email / reply: ${fmt(profile.outcomeEvents.sms)} / ${fmt(profile.outcomeEvents.email)} / ${fmt(profile.outcomeEvents.reply)}; provider callbacks per SMS / email: ${fmt(profile.callbacks.sms)} / ${fmt(profile.callbacks.email)}; threshold entry ${fmt(profile.thresholdEntryBytes)} bytes`,
  );
  return lines.join('\n');
}

/** The limits as docs/capacity.md lists them (generated from {@link LIMITS}). */
export function limitsTable(): string {
  const lines = ['| limit | value | adjustable | source |', '| --- | ---: | --- | --- |'];
  for (const limit of Object.values(LIMITS)) {
    const value = Number.isFinite(limit.value)
      ? `${fmt(limit.value)} ${limit.unit}`
      : `none documented (${limit.unit})`;
    const note = 'note' in limit ? ` ${limit.note}` : '';
    lines.push(`| ${limit.name}.${note} | ${value} | ${limit.adjustable ? 'yes' : 'no'} | ${limit.source} |`);
  }
  return lines.join('\n');
}
