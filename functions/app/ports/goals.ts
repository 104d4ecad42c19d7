/**
 * Goal attribution and per-rule effect tallies (docs/rules.md, "Goals and holdouts";
 * docs/data-model.md, goal and effect items).
 */

/** Which of a rule's outcomes: its wanted `goal` or its unwanted `avoid`. */
export type GoalKind = 'goal' | 'avoid';

/** Which group a decision is in: messaged (planned to send) or held out. */
export type DecisionGroup = 'sent' | 'held-out';

/** A rule's decision, as goal events look it up. */
export interface GoalDecision {
  ruleId: string;
  messageId: string;
  group: DecisionGroup;
  /** The decision's (planned) send time, ISO UTC: the goal window starts here. */
  at: string;
  /**
   * The customer decided about: her goal entries are filed under her (the customer index, kind
   * `GOAL`), so a privacy export lists them and an erase deletes them.
   */
  customerId?: string;
}

/** A decision found for a goal event, with whether that kind already converted it. */
export interface FoundDecision extends GoalDecision {
  converted: boolean;
}

/** One rule's counts for one UTC day (of the decisions' send time) and group. */
export interface EffectTally {
  ruleId: string;
  /** `yyyy-MM-dd`, UTC. */
  day: string;
  group: DecisionGroup;
  decisions: number;
  /** Decisions converted by a goal event. */
  goals: number;
  /** Decisions converted by an avoid event. */
  avoids: number;
}

/**
 * The goal ledger: one entry per (rule, kind, key value, decision), and one tally per rule, day
 * and group, kept up to date by the writes themselves (no listing and counting).
 */
export interface GoalLedger {
  /**
   * Records a decision under the key value of each kind the rule has (`keys`), and counts it in
   * its day's tally once: a redelivery is `'exists'` and counts nothing.
   */
  recordDecision(
    decision: GoalDecision,
    keys: Readonly<Partial<Record<GoalKind, string>>>,
  ): Promise<'created' | 'exists'>;
  /** The rule's decisions under `kind` and `keyValue` with `from` ≤ at ≤ `until`. */
  findDecisions(
    ruleId: string,
    kind: GoalKind,
    keyValue: string,
    range: { from: string; until: string },
  ): Promise<FoundDecision[]>;
  /**
   * Marks a decision converted for `kind` by an event, once: a conditional write, so of two
   * (duplicate, concurrent or late) goal events only one wins (`'converted'`) and only the winner
   * bumps the tally; the others get `'already'`.
   */
  convert(
    kind: GoalKind,
    keyValue: string,
    decision: GoalDecision,
    by: { eventId: string; at: string },
  ): Promise<'converted' | 'already'>;
  /** The rule's tallies for days `fromDay` ≤ day ≤ `toDay` (`yyyy-MM-dd`). */
  tallies(ruleId: string, fromDay: string, toDay: string): Promise<EffectTally[]>;
}
