import { type Alternative, type Condition, expandAlternatives, isPositive } from './alternatives.ts';
import { type EventPattern, InvalidPatternError } from './event-pattern.ts';
import { validatePattern } from './validate-pattern.ts';
import {
  canonicalIp,
  isNumericRange,
  type LeafValue,
  type NumericRange,
  parseNumericRange,
} from './value-ops.ts';

/*
 * Building the pattern index's trie (see the note in pattern-index.ts): which conditions of an
 * alternative are keyable, which of them it is keyed on, and the trie and range routes they form.
 */

/** At most this many trie branches per alternative: a condition whose values would multiply past it stays unkeyed. */
const MAX_BRANCHES = 64;

export interface TrieNode {
  readonly terminals: number[];
  readonly edges: TrieEdge[];
  stamp: number;
}

interface TrieEdge {
  readonly slot: number;
  readonly children: Map<LeafValue, TrieNode>;
}

/**
 * Alternatives with no exact-valued condition but a numeric range on some field (a catch-all such as
 * "any order over 4,990") are found by testing the event's numbers against their ranges, rather
 * than by checking them in full for every event.
 */
export interface RangeRoute {
  readonly slot: number;
  readonly ranges: Array<{ readonly range: NumericRange; readonly alternative: number }>;
}

function newTrieNode(): TrieNode {
  return { terminals: [], edges: [], stamp: 0 };
}

/** Exact scalar values that equal-compare in a hash map; IP-address strings match by address instead. */
function keyableValues(condition: Condition): LeafValue[] | undefined {
  if (!isPositive(condition.values) || condition.values.length === 0) return undefined;
  const keys: LeafValue[] = [];
  for (const value of condition.values) {
    if (value !== null && typeof value === 'object') return undefined;
    if (typeof value === 'string' && canonicalIp(value) !== undefined) return undefined;
    keys.push(value);
  }
  return [...new Set(keys)];
}

/**
 * For an alternative with nothing exact to key on: a condition whose match values are all numeric
 * ranges, if there is one. Such a condition needs a number within one of the ranges at its path.
 */
export function numericRanges(
  alternative: Alternative,
): { condition: Condition; ranges: NumericRange[] } | undefined {
  for (const condition of alternative) {
    const ranges: NumericRange[] = [];
    for (const value of condition.values) {
      if (value === null || typeof value !== 'object' || !('numeric' in value)) break;
      const range = parseNumericRange(value.numeric);
      if (!isNumericRange(range)) break;
      ranges.push(range);
    }
    if (ranges.length > 0 && ranges.length === condition.values.length) return { condition, ranges };
  }
  return undefined;
}

/** A stable, collision-free name for a path, used only while building. */
function pathName(path: ReadonlyArray<string>): string {
  return JSON.stringify(path);
}

interface KeyedCondition {
  readonly name: string;
  readonly condition: Condition;
  readonly values: ReadonlyArray<LeafValue>;
}

function keyedConditions(alternative: Alternative): KeyedCondition[] {
  const byPath = new Map<string, KeyedCondition>();
  for (const condition of alternative) {
    const values = keyableValues(condition);
    if (values === undefined) continue;
    const name = pathName(condition.path);
    const existing = byPath.get(name);
    // Two exact conditions on one path (from `$or` branches) both must hold; keying on the narrower is enough.
    if (existing === undefined || values.length < existing.values.length) {
      byPath.set(name, { name, condition, values });
    }
  }
  return [...byPath.values()];
}

/** An alternative of an entry, with the conditions it can be keyed on. */
interface ExpandedAlternative {
  readonly entry: number;
  readonly alternative: Alternative;
  readonly keyed: KeyedCondition[];
}

/** Validates every pattern and expands it into its alternatives, dropping those that match nothing. */
export function expandEntries(entries: ReadonlyArray<{ pattern: EventPattern }>): ExpandedAlternative[] {
  const expanded: ExpandedAlternative[] = [];
  entries.forEach((entry, entryIndex) => {
    const issues = validatePattern(entry.pattern);
    if (issues.length > 0) throw new InvalidPatternError(issues, entryIndex);
    for (const alternative of expandAlternatives(entry.pattern)) {
      // An empty list of match values matches nothing, so neither does its alternative.
      if (alternative.some((condition) => condition.values.length === 0)) continue;
      expanded.push({ entry: entryIndex, alternative, keyed: keyedConditions(alternative) });
    }
  });
  return expanded;
}

/** How many alternatives pin each path: paths used more go first, so alternatives share prefixes. */
export function rankByUsage(
  expanded: ReadonlyArray<ExpandedAlternative>,
): (condition: KeyedCondition) => number {
  const usage = new Map<string, number>();
  for (const { keyed } of expanded) {
    for (const condition of keyed) usage.set(condition.name, (usage.get(condition.name) ?? 0) + 1);
  }
  return (condition) => usage.get(condition.name) ?? 0;
}

/** The keyed conditions an alternative goes into the trie by, most used first, within {@link MAX_BRANCHES}. */
export function chooseKeys(
  conditions: ReadonlyArray<KeyedCondition>,
  rank: (condition: KeyedCondition) => number,
): KeyedCondition[] {
  const ordered = [...conditions].sort((a, b) => rank(b) - rank(a) || (a.name < b.name ? -1 : 1));
  const chosen: KeyedCondition[] = [];
  let branches = 1;
  for (const condition of ordered) {
    if (branches * condition.values.length > MAX_BRANCHES) continue;
    branches *= condition.values.length;
    chosen.push(condition);
  }
  return chosen;
}

/** Builds the trie and the range routes; each tested path gets a slot the match looks up lazily. */
export class TrieBuilder {
  readonly root = newTrieNode();
  readonly rangeRoutes: RangeRoute[] = [];
  readonly slotPaths: Array<ReadonlyArray<string>> = [];
  private readonly slots = new Map<string, number>();

  slotFor(path: ReadonlyArray<string>): number {
    const name = pathName(path);
    const known = this.slots.get(name);
    if (known !== undefined) return known;
    this.slots.set(name, this.slotPaths.length);
    this.slotPaths.push(path);
    return this.slotPaths.length - 1;
  }

  insert(node: TrieNode, path: ReadonlyArray<KeyedCondition>, depth: number, alternative: number): void {
    const condition = path[depth];
    if (condition === undefined) {
      node.terminals.push(alternative);
      return;
    }
    const slot = this.slotFor(condition.condition.path);
    let edge = node.edges.find((candidate) => candidate.slot === slot);
    if (edge === undefined) {
      edge = { slot, children: new Map() };
      node.edges.push(edge);
    }
    for (const value of condition.values) {
      let child = edge.children.get(value);
      if (child === undefined) {
        child = newTrieNode();
        edge.children.set(value, child);
      }
      this.insert(child, path, depth + 1, alternative);
    }
  }

  addRanges(found: { condition: Condition; ranges: NumericRange[] }, alternative: number): void {
    const slot = this.slotFor(found.condition.path);
    let route = this.rangeRoutes.find((candidate) => candidate.slot === slot);
    if (route === undefined) {
      route = { slot, ranges: [] };
      this.rangeRoutes.push(route);
    }
    for (const range of found.ranges) route.ranges.push({ range, alternative });
  }
}
