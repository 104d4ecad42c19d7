import {
  assertValidPattern,
  compilePatternIndex,
  type EventPattern,
  type PatternIndex,
} from '../pattern/index.ts';
import type { GoalSpec, Rule } from '../rules/rule-schema.ts';
import type { RuleSet } from '../rules/rule-set.ts';

/** A rule's interest in an outcome event: its goal or its avoid. */
export interface GoalWatch {
  rule: Rule;
  kind: 'goal' | 'avoid';
  spec: GoalSpec;
}

const cache = new WeakMap<RuleSet, PatternIndex<GoalWatch>>();

/**
 * The goal and avoid patterns of every rule (disabled ones too: their decisions can still
 * convert), compiled once per rule set.
 */
export function goalIndexOf(rules: RuleSet): PatternIndex<GoalWatch> {
  const cached = cache.get(rules);
  if (cached !== undefined) return cached;
  const entries: { pattern: EventPattern; value: GoalWatch }[] = [];
  for (const rule of rules.rules.values()) {
    for (const kind of ['goal', 'avoid'] as const) {
      const spec = rule[kind];
      if (spec === undefined) continue;
      for (const pattern of Array.isArray(spec.on) ? spec.on : [spec.on]) {
        // Rules arrive validated (parseRuleFiles): this only narrows the type.
        assertValidPattern(pattern);
        entries.push({ pattern, value: { rule, kind, spec } });
      }
    }
  }
  const index = compilePatternIndex(entries);
  cache.set(rules, index);
  return index;
}
