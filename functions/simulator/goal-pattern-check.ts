/**
 * `nudge rules validate`'s look at the past: a rule's `goal` or `avoid` pattern that matched no
 * event in the backtest archive (or an events file) is probably misspelt — a source, a
 * detail-type — and would silently never convert anything. A warning, never an error: the event
 * may simply not have happened yet.
 */
import { goalIndexOf } from '../core/effect/goal-watch.ts';
import { JourneyEventSchema } from '../core/journey-event.ts';
import type { LoadedRule, RuleIssue } from '../core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';

/** What the events were, for the warning's words: "in events.jsonl", "in the event archive's last 14 days". */
export interface GoalCheckSource {
  description: string;
}

/** The outcome of the check: the warnings, and how many events were read. */
export interface GoalCheckResult {
  /** Events read (valid journey events; other lines are skipped). */
  events: number;
  /** One per goal or avoid that matched none of them, located at its `on`. */
  warnings: RuleIssue[];
}

/** Whether any rule has a goal or an avoid (otherwise there is nothing to check). */
export function hasGoalPatterns(rules: ReadonlyArray<LoadedRule>): boolean {
  return rules.some((loaded) => loaded.rule.goal !== undefined || loaded.rule.avoid !== undefined);
}

/**
 * Reads `events` (parsed JSON values, in any order) and warns for every rule's goal or avoid
 * whose patterns matched none of them. Stops reading once every pattern has matched.
 */
export async function checkGoalPatterns(
  rules: ReadonlyArray<LoadedRule>,
  events: AsyncIterable<unknown> | Iterable<unknown>,
  source: GoalCheckSource,
): Promise<GoalCheckResult> {
  const index = goalIndexOf(compileRuleSet(rules.map((loaded) => loaded.rule)));
  const unseen = new Set<string>();
  for (const { rule } of rules) {
    for (const kind of ['goal', 'avoid'] as const)
      if (rule[kind] !== undefined) unseen.add(`${rule.id}#${kind}`);
  }
  let read = 0;
  for await (const value of events) {
    if (unseen.size === 0) break;
    const parsed = JourneyEventSchema.safeParse(value);
    if (!parsed.success) continue;
    read++;
    for (const watch of index.match(parsed.data)) unseen.delete(`${watch.rule.id}#${watch.kind}`);
  }
  const warnings: RuleIssue[] = [];
  for (const loaded of rules) {
    for (const kind of ['goal', 'avoid'] as const) {
      if (!unseen.has(`${loaded.rule.id}#${kind}`)) continue;
      const at = loaded.positions[`${kind}.on`] ?? { line: loaded.line, column: 1 };
      warnings.push({
        file: loaded.file,
        line: at.line,
        column: at.column,
        field: `${kind}.on`,
        message: `matched no event ${source.description} (${read} read): check its source and detail-type, or the ${kind} never converts anything`,
      });
    }
  }
  return { events: read, warnings };
}
