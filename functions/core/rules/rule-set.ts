import {
  assertValidPattern,
  compilePatternIndex,
  type EventPattern,
  type PatternIndex,
} from '../pattern/index.ts';
import type { Rule } from './rule-schema.ts';

/** A rule's interest in events that close a pending message. */
interface Closer {
  rule: Rule;
  kind: 'cancel' | 'expect';
  /** Path in the trigger whose value correlates. */
  key: string;
  /** Path in the closing event. */
  eventKey: string;
}

/**
 * Rules compiled for matching: one index for triggers and one for closing events, so the cost
 * per event does not grow with the number of rules.
 */
export interface RuleSet {
  rules: ReadonlyMap<string, Rule>;
  triggers: PatternIndex<Rule>;
  closers: PatternIndex<Closer>;
}

/** Compiles validated rules. Disabled rules trigger nothing but can still close their messages. */
export function compileRuleSet(rules: ReadonlyArray<Rule>): RuleSet {
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const triggers = compilePatternIndex(
    rules.filter((rule) => rule.enabled).map((rule) => ({ pattern: asPattern(rule.on), value: rule })),
  );
  const closerEntries: { pattern: EventPattern; value: Closer }[] = [];
  for (const rule of rules) {
    for (const spec of [
      { kind: 'cancel' as const, closer: rule.cancel },
      { kind: 'expect' as const, closer: rule.expect },
    ]) {
      if (spec.closer === undefined) continue;
      const closer: Closer = {
        rule,
        kind: spec.kind,
        key: spec.closer.key,
        eventKey: spec.closer.eventKey ?? spec.closer.key,
      };
      for (const pattern of spec.closer.on)
        closerEntries.push({ pattern: asPattern(pattern), value: closer });
    }
  }
  return { rules: byId, triggers, closers: compilePatternIndex(closerEntries) };
}

/** The correlation key a rule uses for a value: scoped by rule so rules never close each other's messages. */
export function correlationKey(ruleId: string, value: string): string {
  return `${ruleId}#${value}`;
}

/** Rules arrive validated (parseRuleFiles); this re-check only narrows the type, and fails loudly if not. */
function asPattern(pattern: Record<string, unknown>): EventPattern {
  assertValidPattern(pattern);
  return pattern;
}
