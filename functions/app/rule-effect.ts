import { computeLift, type GroupCounts, type LiftReport } from '../core/effect/lift.ts';
import type { EffectTally, GoalLedger } from './ports/goals.ts';

/** A rule's effect over a range of days: its goal's lift and its avoid's (when it has them). */
export interface RuleEffect {
  ruleId: string;
  /** UTC days of the decisions' send times, inclusive. */
  from: string;
  to: string;
  /** Conversions of the wanted event: the messaged group should convert more. */
  goal: LiftReport;
  /** Conversions of the unwanted event: the messaged group should convert less (negative lift). */
  avoid: LiftReport;
}

/**
 * The effect of a rule from its daily tallies (a few items per rule, never a listing): decisions
 * and conversions per group summed over the days, then {@link computeLift}.
 */
export async function ruleEffect(
  goals: Pick<GoalLedger, 'tallies'>,
  ruleId: string,
  range: { from: string; to: string },
): Promise<RuleEffect> {
  const tallies = await goals.tallies(ruleId, range.from, range.to);
  return {
    ruleId,
    from: range.from,
    to: range.to,
    goal: computeLift(sum(tallies, 'sent', 'goals'), sum(tallies, 'held-out', 'goals')),
    avoid: computeLift(sum(tallies, 'sent', 'avoids'), sum(tallies, 'held-out', 'avoids')),
  };
}

function sum(
  tallies: ReadonlyArray<EffectTally>,
  group: EffectTally['group'],
  counter: 'goals' | 'avoids',
): GroupCounts {
  let decisions = 0;
  let conversions = 0;
  for (const tally of tallies) {
    if (tally.group !== group) continue;
    decisions += tally.decisions;
    conversions += tally[counter];
  }
  return { decisions, conversions };
}
