import type { Rule } from './rule-schema.ts';

/** A one-line summary of a rule for `nudge rules validate` and the console. */
export function describeRule(rule: Rule): string {
  const trigger = describePattern(rule.on);
  const when = rule.threshold
    ? `${describeSend(rule.send)} once ${rule.threshold.count} within ${rule.threshold.within}${rule.threshold.key ? ` per ${rule.threshold.key}` : ''} (to operations)`
    : rule.expect
      ? `if ${describePattern(rule.expect.on[0] ?? {})} is late (${describeDeadline(rule.expect.by)})`
      : describeSend(rule.send);
  const cancel = rule.cancel ? `, cancelled by ${rule.cancel.on.map(describePattern).join(' | ')}` : '';
  const flags = [rule.urgent ? 'urgent' : '', rule.dedupe ? `dedupe ${rule.dedupe.key}` : '']
    .filter((flag) => flag !== '')
    .join(', ');
  return `${rule.id}: on ${trigger} → ${rule.channels.join('>')} '${rule.template}' ${when}${cancel}${flags === '' ? '' : ` [${flags}]`}`;
}

function describePattern(pattern: Record<string, unknown>): string {
  const type = pattern['detail-type'];
  const source = pattern.source;
  const show = (value: unknown) =>
    Array.isArray(value) ? value.map((item) => JSON.stringify(item)).join('|') : '*';
  return `${show(source)}/${show(type)}`;
}

function describeSend(send: Rule['send']): string {
  if (send === undefined || send === 'immediately') return 'immediately';
  if ('after' in send) return `${send.after} after the event`;
  const offset = send.at.offset ?? 'P0D';
  return `at ${send.at.field} ${offset}${send.at.time ? ` ${send.at.time} local` : ''}`;
}

function describeDeadline(by: NonNullable<Rule['expect']>['by']): string {
  return 'after' in by ? `${by.after} after the event` : `${by.field} ${by.offset ?? ''}`.trim();
}
