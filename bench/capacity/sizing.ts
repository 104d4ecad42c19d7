/**
 * `npm run capacity -- --size`: the deployment a traffic needs. Starting from the traffic as
 * stated, every row above half its limit that a deployment choice can move (its `knob`: the send
 * batch and concurrency, the Twilio sender pool, the window-opening spread, the account quotas to
 * request) is sized from the model's own load for that row, and the model is run again, until no
 * such row is above half. The figures are the model's, so the sizing cannot drift from it.
 */
import { Duration } from 'luxon';
import { DEFAULT_SENDER_MPS } from '../../functions/core/messages/sender-rate.ts';
import { LIMITS } from './limits.ts';
import { fmt, type Knob, MARK_ABOVE, type Row } from './model.ts';
import type { KeyFunctions } from './partitions.ts';
import type { Profile } from './profile.ts';
import { capacityRows } from './render.ts';
import type { Traffic } from './traffic.ts';

/** One field the sizing changed. */
interface SizingStep {
  field: Knob['field'];
  from: number | undefined;
  to: number;
}

export interface Sizing {
  /** The traffic with the sized deployment's fields. */
  traffic: Traffic;
  steps: SizingStep[];
  /** The rows at the sized deployment. */
  rows: Row[];
}

/**
 * What each field is set in: quota requests in round hundreds, the spread in whole minutes
 * (`PT<n>M`), the rest in whole units.
 */
const STEP: Readonly<Record<Knob['field'], number>> = {
  sendBatchSize: 1,
  sendMaxConcurrency: 1,
  twilioSenders: 1,
  windowReleaseSeconds: 60,
  lambdaConcurrencyQuota: 100,
  putEventsQuota: 100,
  ruleInvocationsQuota: 100,
};

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/** The value `knob.field` needs for `row` to be at most half its limit. */
function sizedValue(traffic: Traffic, row: Row, knob: Knob): number {
  const current = traffic[knob.field];
  // `limit`: the field is the row's limit; `inverse`: the load falls as the field grows.
  const needed = knob.scales === 'limit' ? row.load / MARK_ABOVE : ((current ?? 1) * row.share) / MARK_ABOVE;
  let next = roundUp(needed, STEP[knob.field]);
  if (knob.max !== undefined) next = Math.min(next, knob.max);
  return Math.max(next, current ?? 0);
}

/**
 * The order knobs are sized in: a field's rows depend on the fields before it (the concurrency the
 * send step needs falls as its batch grows; a window opening's held SMS per sender falls as the
 * pool grows), so each phase is sized at the values the earlier phases reached, never the reverse.
 */
const PHASES: ReadonlyArray<ReadonlyArray<Knob['field']>> = [
  ['sendBatchSize'],
  ['twilioSenders'],
  ['sendMaxConcurrency', 'lambdaConcurrencyQuota', 'putEventsQuota', 'ruleInvocationsQuota'],
  ['windowReleaseSeconds'],
];

/**
 * One step of sizing: the first phase with a row above half gets, per field, the largest value
 * any of its rows needs (each computed from the same model run, so none is compounded), or
 * `undefined` when no row a knob moves is above half any more.
 */
function nextSizing(traffic: Traffic, profile: Profile, keys: KeyFunctions): Traffic | undefined {
  const rows = capacityRows(traffic, profile, keys);
  for (const phase of PHASES) {
    const needed = new Map<Knob['field'], number>();
    for (const row of rows) {
      if (row.knob === undefined || !phase.includes(row.knob.field) || !(row.share > MARK_ABOVE)) continue;
      const value = sizedValue(traffic, row, row.knob);
      needed.set(row.knob.field, Math.max(value, needed.get(row.knob.field) ?? 0));
    }
    const changes = [...needed].filter(([field, value]) => value !== traffic[field]);
    if (changes.length > 0) return { ...traffic, ...Object.fromEntries(changes) };
  }
  return undefined;
}

/**
 * Sizes the deployment for `traffic`: model runs, each raising the knobs of the first phase that
 * has a row above half, until none has (or every such knob is at its maximum).
 */
export function sizeDeployment(traffic: Traffic, profile: Profile, keys: KeyFunctions): Sizing {
  let sized: Traffic = { ...traffic };
  for (let step = 0; step < 100; step++) {
    const next = nextSizing(sized, profile, keys);
    if (next === undefined) break;
    sized = next;
  }
  const steps: SizingStep[] = [];
  for (const field of PHASES.flat()) {
    if (sized[field] !== traffic[field]) steps.push({ field, from: traffic[field], to: sized[field] ?? 0 });
  }
  return { traffic: sized, steps, rows: capacityRows(sized, profile, keys) };
}

/** What an operator sets for a sizing: cdk context, the config's spread, the quotas to request. */
export interface SizedSettings {
  /** `cdk deploy -c` context, as strings (infra/settings.ts parses them). */
  context: Record<string, string>;
  /** nudge.config.yaml `windowOpening.spread`, when sized. */
  spread?: string;
  /** Service Quotas requests: name, value, default. */
  quotas: Array<{ name: string; value: number; defaultValue: number; unit: string }>;
}

export function sizedSettings(sizing: Sizing): SizedSettings {
  const t = sizing.traffic;
  const changed = new Set(sizing.steps.map((step) => step.field));
  const context: Record<string, string> = {};
  if (changed.has('sendBatchSize')) context.sendBatchSize = String(t.sendBatchSize);
  if (changed.has('sendMaxConcurrency')) context.sendConcurrency = String(t.sendMaxConcurrency);
  if (changed.has('twilioSenders')) {
    const mps = t.twilioSenderMps ?? DEFAULT_SENDER_MPS[t.twilioSender];
    context.twilioSenderMps = String(t.twilioSenders * mps);
  }
  const settings: SizedSettings = { context, quotas: [] };
  if (changed.has('windowReleaseSeconds'))
    settings.spread = Duration.fromObject({ minutes: Math.ceil(t.windowReleaseSeconds / 60) }).toISO();
  const quota = (field: Knob['field'], name: string, defaultValue: number, unit: string) => {
    const value = t[field];
    if (changed.has(field) && value !== undefined) settings.quotas.push({ name, value, defaultValue, unit });
  };
  quota('lambdaConcurrencyQuota', 'Lambda concurrent executions', LIMITS.lambdaConcurrency.value, '');
  quota('putEventsQuota', 'EventBridge PutEvents', LIMITS.putEventsTps.value, '/s');
  quota('ruleInvocationsQuota', 'EventBridge invocations', LIMITS.eventBridgeInvocations.value, '/s');
  return settings;
}

/** The sized deployment as the steps an operator takes: cdk context, Twilio, config, quotas. */
export function sizingText(sizing: Sizing): string {
  const t = sizing.traffic;
  const settings = sizedSettings(sizing);
  const lines: string[] = [];
  const context = Object.entries(settings.context).map(([key, value]) => `-c ${key}=${value}`);
  if (context.length > 0) lines.push(`- deploy: \`npx cdk deploy ${context.join(' ')}\``);
  if (settings.context.twilioSenderMps !== undefined) {
    const mps = t.twilioSenderMps ?? DEFAULT_SENDER_MPS[t.twilioSender];
    lines.push(
      `- Twilio: a Messaging Service (its SID as \`messagingServiceSid\` in the Twilio secret) with ${fmt(t.twilioSenders)} ${t.twilioSender} senders at ${fmt(mps)} segments/s each; the rate guard's figure is the pool's sum`,
    );
  }
  if (settings.spread !== undefined) {
    lines.push(
      `- nudge.config.yaml: \`windowOpening: { spread: ${settings.spread} }\` (messages held by a closed window go out over that much of the opening, not the default PT10M)`,
    );
  }
  if (settings.quotas.length > 0) {
    const quotas = settings.quotas.map(
      (q) => `${q.name} ${fmt(q.value)}${q.unit} (default ${fmt(q.defaultValue)})`,
    );
    lines.push(`- Service Quotas, requested before the traffic arrives: ${quotas.join('; ')}`);
  }
  if (lines.length === 0) lines.push('- nothing: the traffic fits the stated deployment');
  const over = sizing.rows.filter((row) => row.share > MARK_ABOVE);
  lines.push(
    '',
    over.length === 0
      ? `With these, none of the ${sizing.rows.length} rows is above 50 %.`
      : `Still above 50 % (no deployment choice moves them): ${over.map((row) => row.name).join('; ')}.`,
  );
  return lines.join('\n');
}
