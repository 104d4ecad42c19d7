/**
 * The capacity model: a traffic model × the measured cost of each unit of work × how the real
 * key functions spread it over partitions → the load on every partition, quota and provider
 * limit, as a share of its documented limit, with the change that would bring a row under half.
 * Pure arithmetic over its inputs (no I/O): the measured pass and the printing live elsewhere.
 */
import { ALERT_COUNT_LIMIT } from '../../functions/core/planning/threshold.ts';
import { LIMITS, type Limit } from './limits.ts';
import { hottestLoad, hottestShare, type KeyFunctions } from './partitions.ts';
import { type Access, type Profile, type Target, WORK, type Work } from './profile.ts';
import type { Traffic } from './traffic.ts';

/** The share of a limit above which a row is marked (issue 14: nothing above half). */
export const MARK_ABOVE = 0.5;

/** One line of the capacity table. */
export interface Row {
  group: 'DynamoDB partition' | 'AWS quota' | 'provider' | 'design setting';
  scenario: 'sustained' | 'window opening' | 'held hours';
  name: string;
  load: number;
  limit: Limit;
  /** load / limit (NaN when the limit has no documented number). */
  share: number;
  /** How the load was computed, in a few words. */
  basis: string;
  /** The change that brings the row under {@link MARK_ABOVE} (one line). */
  fix: string;
  /** The traffic field a deployment sizes to bring the row under half (`--size`), if any. */
  knob?: Knob;
}

/**
 * A deployment choice that moves a row: `limit` when the field is the row's limit (a setting, a
 * quota: size it to load ÷ ½), `inverse` when the load falls in proportion as it grows (batch
 * size, senders, the release spread: multiply it by share ÷ ½).
 */
export interface Knob {
  field:
    | 'sendBatchSize'
    | 'sendMaxConcurrency'
    | 'twilioSenders'
    | 'windowReleaseSeconds'
    | 'lambdaConcurrencyQuota'
    | 'putEventsQuota'
    | 'ruleInvocationsQuota';
  scales: 'limit' | 'inverse';
  /** The most the field may be (the batch of a standard queue's event source, its concurrency). */
  max?: number;
}

/** Units of work a second, by kind. */
export function workRates(traffic: Traffic): Record<Work, number> {
  const reminder = traffic.messagesPerSecond * traffic.reminderShare;
  const atOnce = traffic.messagesPerSecond - reminder;
  const sms = atOnce * traffic.smsShare;
  return {
    sms,
    email: atOnce - sms,
    reminder,
    cancel: reminder * traffic.cancelShare,
    reply: (sms + reminder * (1 - traffic.cancelShare)) * traffic.replyShare,
    threshold: traffic.thresholdEventsPerSecond,
  };
}

/** Messages handed to a provider a second: SMS and email sent at once, reminders not cancelled. */
export function sendRates(traffic: Traffic): { sms: number; email: number } {
  const rates = workRates(traffic);
  return { sms: rates.sms + rates.reminder - rates.cancel, email: rates.email };
}

/** Σ over the kinds of work of rate × a per-unit figure of the profile. */
export function perSecond(traffic: Traffic, perUnit: Readonly<Record<Work, number>>): number {
  const rates = workRates(traffic);
  return WORK.reduce((sum, work) => sum + rates[work] * perUnit[work], 0);
}

function row(fields: Omit<Row, 'share'>): Row {
  return { ...fields, share: fields.load / fields.limit.value };
}

/** How many parts a load must be split into so each part stays under the mark. */
function partsNeeded(load: number, limit: number): number {
  return Math.ceil(load / (MARK_ABOVE * limit));
}

/**
 * The read units a threshold event's COUNT costs on average, on the hot key (evaluate-threshold.ts).
 * The decision reads at most `thresholdCount` entries, and inside an alert's cooldown none (one
 * read of the alert claim instead, measured on table:DEDUPE). A hot key crosses, then holds the
 * cooldown: each cooldown has one counted decision (`thresholdCount` entries) and the alert's own
 * count (the window, at most 10,000 entries), spread over the cooldown's events.
 */
function windowCountUnits(traffic: Traffic, profile: Profile): number {
  const inWindow = traffic.thresholdEventsPerSecond * traffic.thresholdWindowSeconds;
  const unitsOf = (entries: number) =>
    Math.max(1, Math.ceil((entries * profile.thresholdEntryBytes) / LIMITS.dynamoReadUnitBytes.value));
  if (inWindow < traffic.thresholdCount) return unitsOf(inWindow); // never crosses: every event counts
  const perCooldown = unitsOf(traffic.thresholdCount) + unitsOf(Math.min(inWindow, ALERT_COUNT_LIMIT));
  const eventsPerCooldown = Math.max(1, traffic.thresholdEventsPerSecond * traffic.thresholdCooldownSeconds);
  return perCooldown / eventsPerCooldown;
}

const PARTITION_FIXES: Partial<Record<Target, string>> = {
  'index:outbox':
    'shard the outbox partition: OUTBOX#<month>#<0..{n}> (by a hash of the message id), merged newest-first when listing',
  'table:REJECTED': 'shard the rejected partition: REJECTED#<month>#<0..{n}>, merged when listing',
  'table:THRESHOLD': 'spread the hot counter over {n} partitions (THRESHOLD#<rule>#<value>#<n>)',
};

function partitionFix(
  target: Target,
  op: Access['op'],
  windowCount: boolean,
  load: number,
  limit: number,
): string {
  if (windowCount) {
    return 'a lower threshold.count or a longer cooldown (the decision reads at most count entries, once per cooldown)';
  }
  const n = partsNeeded(load, limit);
  const template = PARTITION_FIXES[target] ?? `spread ${target} over ${n} partitions`;
  return `${template.replace('{n}', String(n - 1))} (${op}s: ${n} parts keep each under half)`;
}

interface AccessGroup {
  target: Target;
  op: Access['op'];
  windowCount: boolean;
  entries: Array<{ work: Work; access: Access }>;
}

function isTarget(value: string): value is Target {
  return value.startsWith('table:') || value.startsWith('index:');
}

/** Accesses of every kind of work, merged by target, op and window-count flag. */
function accessGroups(profile: Profile): AccessGroup[] {
  const groups = new Map<string, AccessGroup>();
  for (const work of WORK) {
    for (const access of profile.work[work].accesses) {
      if (!isTarget(access.target)) continue;
      const key = `${access.target}|${access.op}|${access.windowCount}`;
      const group = groups.get(key) ?? {
        target: access.target,
        op: access.op,
        windowCount: access.windowCount,
        entries: [],
      };
      group.entries.push({ work, access });
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

/** The load on the busiest partition of every table key pattern and index the design touches. */
export function partitionRows(traffic: Traffic, profile: Profile, keys: KeyFunctions): Row[] {
  const rates = workRates(traffic);
  const rows: Row[] = [];
  for (const { target, op, windowCount, entries } of accessGroups(profile)) {
    const limit = op === 'write' ? LIMITS.dynamoPartitionWrites : LIMITS.dynamoPartitionReads;
    const loads: Array<{ work: Work; rate: number; units: number }> = [];
    const parts: string[] = [];
    for (const { work, access } of entries) {
      const rate = rates[work];
      if (rate <= 0 || access.units <= 0) continue;
      const units = windowCount ? windowCountUnits(traffic, profile) * access.calls : access.units;
      const share = hottestShare(keys, target, work, rate);
      loads.push({ work, rate, units });
      parts.push(`${work} ${fmt(rate)}/s × ${fmt(units)} u (its hottest ${fmt(share * 100)} %)`);
    }
    const load = hottestLoad(keys, target, loads);
    if (load === 0) continue;
    rows.push(
      row({
        group: 'DynamoDB partition',
        scenario: 'sustained',
        name: `${target} ${op}s${windowCount ? ' (COUNT, bounded by the threshold)' : ''}`,
        load,
        limit,
        basis: `busiest partition of ${parts.join(' + ')}, added per key`,
        fix: partitionFix(target, op, windowCount, load, limit.value),
      }),
    );
  }
  rows.push(rejectedRow(traffic, keys));
  return rows;
}

function rejectedRow(traffic: Traffic, keys: KeyFunctions): Row {
  // Not in the measured pass: one PutItem of the raw input plus ~200 bytes of keys and reason.
  const units = Math.ceil((traffic.rejectedBytes + 200) / LIMITS.dynamoWriteUnitBytes.value);
  const share = hottestShare(keys, 'table:REJECTED', 'sms', traffic.rejectedPerSecond);
  const load = traffic.rejectedPerSecond * share * units;
  return row({
    group: 'DynamoDB partition',
    scenario: 'sustained',
    name: 'table:REJECTED writes',
    load,
    limit: LIMITS.dynamoPartitionWrites,
    basis: `${fmt(traffic.rejectedPerSecond)} rejected/s × ${units} u (${fmt(traffic.rejectedBytes)} B raw) × hottest ${fmt(share * 100)} %`,
    fix: partitionFix('table:REJECTED', 'write', false, load, LIMITS.dynamoPartitionWrites.value),
  });
}

/** A number for a table: no more than 3 significant decimals. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 1 : 3;
  return value.toLocaleString('en-GB', { maximumFractionDigits: digits });
}
