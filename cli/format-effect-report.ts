import type { GoalLedger } from '../functions/app/ports/goals.ts';
import { type RuleEffect, ruleEffect } from '../functions/app/rule-effect.ts';
import type { LiftReport } from '../functions/core/effect/lift.ts';
import type { Rule } from '../functions/core/rules/rule-schema.ts';

/**
 * The human view of `nudge report`: per rule, each outcome it has (goal, avoid) with both groups'
 * counts and rates, the absolute lift in percentage points with its 95 % interval, and the
 * relative lift; or why there is not enough data yet.
 */
export function formatEffectReport(effects: ReadonlyArray<{ effect: RuleEffect; kinds: string[] }>): string {
  const out: string[] = [];
  for (const { effect, kinds } of effects) {
    const range =
      effect.from === ALL_FROM && effect.to === ALL_TO ? 'all days' : `${effect.from} to ${effect.to}`;
    out.push(`${effect.ruleId} (${range})`);
    for (const kind of kinds) {
      const report = kind === 'avoid' ? effect.avoid : effect.goal;
      out.push(...formatLift(kind, report));
    }
    if (kinds.length === 0) out.push('  no goal or avoid: nothing to measure');
    out.push('');
  }
  out.push('Interval: Newcombe hybrid score (Wilson) interval for a difference of proportions, 95 %.');
  return `${out.join('\n')}\n`;
}

/** `--from` and `--to` when not given: every day. */
export const ALL_FROM = '0000-01-01';
export const ALL_TO = '9999-12-31';

function formatLift(kind: string, report: LiftReport): string[] {
  const sent = `sent ${report.sent.decisions}, converted ${report.sent.conversions}${rate(report.sent.rate)}`;
  const held = `held out ${report.heldOut.decisions}, converted ${report.heldOut.conversions}${rate(report.heldOut.rate)}`;
  const lines = [`  ${kind.padEnd(5)}  ${sent}; ${held}`];
  if (report.kind === 'not-enough-data') {
    lines.push(`         not enough data: ${report.detail}`);
    return lines;
  }
  const { lift, low, high } = report.absolute;
  const relative = report.relative === undefined ? '' : `, relative ${signed(report.relative * 100, 0)} %`;
  lines.push(
    `         lift ${signed(lift * 100, 1)} pp (95 % CI ${signed(low * 100, 1)} to ${signed(high * 100, 1)} pp)${relative}`,
  );
  return lines;
}

function rate(value: number | undefined): string {
  return value === undefined ? '' : ` (${(value * 100).toFixed(1)} %)`;
}

function signed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return value > 0 && Number(text) !== 0 ? `+${text}` : text;
}

/**
 * Goal rates per rule with a goal or avoid, after a simulation (`nudge simulate`): how often each
 * group converted in the simulated journey, so a holdout can be sized before it runs. Empty when
 * no rule has a goal.
 */
export async function formatGoalRates(
  goals: Pick<GoalLedger, 'tallies'>,
  rules: ReadonlyArray<Rule>,
): Promise<string> {
  const lines: string[] = [];
  for (const rule of rules) {
    const effect = await ruleEffect(goals, rule.id, { from: ALL_FROM, to: ALL_TO });
    for (const kind of ['goal', 'avoid'] as const) {
      if (rule[kind] === undefined) continue;
      const report = effect[kind];
      const sent = `messaged ${report.sent.conversions}/${report.sent.decisions}${rate(report.sent.rate)}`;
      const held = `held out ${report.heldOut.conversions}/${report.heldOut.decisions}${rate(report.heldOut.rate)}`;
      lines.push(`${rule.id} ${kind} rate: ${sent}, ${held}`);
    }
  }
  return lines.length === 0 ? '' : `\nGoal rates (simulated):\n${lines.join('\n')}\n`;
}
