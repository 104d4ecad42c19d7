/**
 * Goals and holdouts in the evaluate step (docs/rules.md, "Goals and holdouts"): a rule's
 * decisions are recorded under their goal keys, a held-out decision is recorded and never sent,
 * and a goal event converts the decisions it matches, each at most once.
 */
import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, checkContact } from '../core/customers/customer-profile.ts';
import { goalIndexOf } from '../core/effect/goal-watch.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { readPath } from '../core/paths.ts';
import type { PlanDecision } from '../core/planning/decide.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord } from './message-record.ts';
import type { PlannedOutcome } from './planned-message.ts';
import type { DecisionGroup, GoalKind, GoalLedger } from './ports/goals.ts';
import type { MessageStore } from './ports/messages.ts';

/** A decision an event converted. */
export interface GoalConversion {
  ruleId: string;
  messageId: string;
  kind: GoalKind;
  group: DecisionGroup;
}

/**
 * The goal key values of a rule for its trigger: each kind's `key` path read from the trigger
 * event (the goal event is read at the same path). A kind whose value is missing is left out.
 */
function goalKeys(rule: Rule, event: JourneyEvent): Partial<Record<GoalKind, string>> {
  const keys: Partial<Record<GoalKind, string>> = {};
  for (const kind of ['goal', 'avoid'] as const) {
    const path = rule[kind]?.key;
    if (path === undefined) continue;
    const value = scalar(readPath(event, path));
    if (value !== undefined) keys[kind] = value;
  }
  return keys;
}

/**
 * Records a decision of a rule with a goal or avoid, in its group. Idempotent per message id
 * (a redelivery records and counts nothing). A trigger without any goal key value is not
 * recorded: nothing could ever convert it, in either group.
 */
export async function recordGoalDecision(
  rule: Rule,
  event: JourneyEvent,
  decision: { messageId: string; sendAt: DateTime; group: DecisionGroup; customerId?: string },
  goals: GoalLedger,
): Promise<void> {
  if (rule.goal === undefined && rule.avoid === undefined) return;
  const keys = goalKeys(rule, event);
  if (Object.keys(keys).length === 0) return;
  const { messageId, group, customerId } = decision;
  await goals.recordDecision(
    {
      ruleId: rule.id,
      messageId,
      group,
      at: isoOf(decision.sendAt),
      ...(customerId === undefined ? {} : { customerId }),
    },
    keys,
  );
}

/**
 * Writes a held-out decision: the record a send would have had (send time, the channel the
 * planner found usable, the template), with status `held-out`. Never scheduled, so never sent
 * and never counted against a cap. The dedupe key was claimed before, as a send would.
 */
export async function holdOut(
  input: { rule: Rule; event: JourneyEvent; record: MessageRecord; profile: CustomerProfile | undefined },
  decision: Extract<PlanDecision, { kind: 'schedule' }>,
  deps: { messages: MessageStore; goals: GoalLedger; settings: EngineSettings },
): Promise<PlannedOutcome> {
  const { rule, record, profile } = input;
  const channel =
    profile === undefined
      ? undefined
      : rule.channels.find(
          (candidate) => checkContact(profile, candidate, deps.settings.defaults.country).ok,
        );
  const percent = Math.round((rule.holdout ?? 0) * 10_000) / 100;
  const detail = `holdout ${percent}%: would send template ${rule.template}${channel === undefined ? '' : ` by ${channel}`} at ${record.sendAt}`;
  const change = { at: record.createdAt, status: 'held-out' as const, reason: 'holdout', detail };
  await deps.messages.createMessage({
    ...record,
    status: 'held-out',
    reason: 'holdout',
    detail,
    ...(channel === undefined ? {} : { channel }),
    history: [change],
  });
  await recordGoalDecision(
    rule,
    input.event,
    {
      messageId: record.messageId,
      sendAt: decision.sendAt,
      group: 'held-out',
      customerId: record.customerId,
    },
    deps.goals,
  );
  return { ruleId: rule.id, messageId: record.messageId, outcome: 'held-out', reason: 'holdout' };
}

/**
 * Converts the decisions an event is a goal (or avoid) of: for each matching rule, the
 * decisions with the same key value whose send time is at most `within` before the event's time
 * (event time, so a late event counts where it happened). Each conversion is a conditional
 * write: a duplicate or concurrent goal event converts nothing twice.
 */
export async function attributeGoals(
  event: JourneyEvent,
  deps: { goals: GoalLedger; rules: RuleSet },
): Promise<GoalConversion[]> {
  const conversions: GoalConversion[] = [];
  const time = DateTime.fromISO(event.time, { zone: 'utc' });
  if (!time.isValid) return conversions;
  for (const watch of goalIndexOf(deps.rules).match(event)) {
    const value = scalar(readPath(event, watch.spec.key));
    if (value === undefined) continue;
    const range = { from: isoOf(time.minus(Duration.fromISO(watch.spec.within))), until: isoOf(time) };
    const found = await deps.goals.findDecisions(watch.rule.id, watch.kind, value, range);
    for (const decision of found) {
      if (decision.converted) continue;
      const by = { eventId: event.id, at: isoOf(time) };
      if ((await deps.goals.convert(watch.kind, value, decision, by)) !== 'converted') continue;
      conversions.push({
        ruleId: decision.ruleId,
        messageId: decision.messageId,
        kind: watch.kind,
        group: decision.group,
      });
    }
  }
  return conversions;
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
