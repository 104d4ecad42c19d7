import { type Alternative, type Condition, expandAlternatives, isPositive } from './alternatives.ts';
import { type EventPattern, InvalidPatternError } from './event-pattern.ts';
import { validatePattern } from './validate-pattern.ts';
import { canonicalIp, exactKey, isJsonObject, type LeafValue } from './value-ops.ts';
import { ValueRouter } from './value-router.ts';

/*
 * Building the pattern index's trie (see the note in pattern-index.ts): which conditions of an
 * alternative are keyable, in which order it is keyed on them, and the trie they form.
 */

/** At most this many trie branches per alternative from exact values: a condition whose values would multiply past it goes through a value router instead. */
const MAX_BRANCHES = 64;

export interface TrieNode {
  readonly terminals: number[];
  /** Exact-valued conditions: one child per value. */
  readonly edges: TrieEdge[];
  /** Other positive conditions: one child per list of match values, reached through a {@link ValueRouter}. */
  readonly routes: RouteEdge[];
  stamp: number;
}

interface TrieEdge {
  readonly slot: number;
  readonly children: Map<LeafValue, TrieNode>;
}

interface RouteEdge {
  readonly slot: number;
  readonly router: ValueRouter<TrieNode>;
}

function newTrieNode(): TrieNode {
  return { terminals: [], edges: [], routes: [], stamp: 0 };
}

/** Exact scalar values that equal-compare in a hash map; IP-address strings match by address instead. */
function keyableValues(condition: Condition): LeafValue[] | undefined {
  const keys: LeafValue[] = [];
  for (const value of condition.values) {
    if (value !== null && typeof value === 'object') return undefined;
    if (typeof value === 'string' && canonicalIp(value) !== undefined) return undefined;
    keys.push(exactKey(value));
  }
  return [...new Set(keys)];
}

/** JSON for lists holding a `bigint`, as an object no valid match value can be (operators are named). */
function bigintAsObject(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { bigint: value.toString() } : value;
}

/** A stable, collision-free name for a path, used only while building. */
function pathName(path: ReadonlyArray<string>): string {
  return JSON.stringify(path);
}

/** How a keyed condition enters the trie, in trie order: exact first, then selective routed lists. */
const KEY_ORDER = { exact: 0, routed: 1, unselective: 2 } as const;

interface KeyedCondition {
  readonly name: string;
  readonly condition: Condition;
  readonly values: ReadonlyArray<LeafValue>;
  readonly order: (typeof KEY_ORDER)[keyof typeof KEY_ORDER];
}

/** `anything-but` and `exists: true` hold for almost any value: such lists narrow little, so they come last. */
function isUnselective(condition: Condition): boolean {
  return condition.values.some(
    (value) => value !== null && typeof value === 'object' && ('anything-but' in value || 'exists' in value),
  );
}

/**
 * The conditions an alternative can be keyed on: every list that needs a value to be present
 * (a witness) at its path. Lists satisfied by absence (`exists: false`) are only checked in full.
 */
function keyedConditions(alternative: Alternative): KeyedCondition[] {
  const byPath = new Map<string, KeyedCondition>();
  for (const condition of alternative) {
    if (condition.values.length === 0 || !isPositive(condition.values)) continue;
    if (condition.values.some((value) => isJsonObject(value) && 'exists' in value && !value.exists)) continue;
    const name = pathName(condition.path);
    const exact = keyableValues(condition);
    const keyed: KeyedCondition =
      exact === undefined
        ? {
            name,
            condition,
            values: [],
            order: isUnselective(condition) ? KEY_ORDER.unselective : KEY_ORDER.routed,
          }
        : { name, condition, values: exact, order: KEY_ORDER.exact };
    const existing = byPath.get(name);
    // Two conditions on one path (from `$or` branches) both must hold; keying on one is enough:
    // an exact one, and of two exact ones the narrower.
    if (
      existing === undefined ||
      keyed.order < existing.order ||
      (keyed.order === KEY_ORDER.exact &&
        existing.order === KEY_ORDER.exact &&
        keyed.values.length < existing.values.length)
    ) {
      byPath.set(name, keyed);
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

/**
 * The order an alternative's conditions go into the trie: exact ones first, most used first, while
 * their values multiply to at most {@link MAX_BRANCHES} branches (one past it is routed instead);
 * then routed lists, selective ones first. Every alternative orders the same way, so alternatives
 * with the same conditions share trie nodes.
 */
export function chooseKeys(
  conditions: ReadonlyArray<KeyedCondition>,
  rank: (condition: KeyedCondition) => number,
): KeyedCondition[] {
  const byRank = (a: KeyedCondition, b: KeyedCondition) => rank(b) - rank(a) || (a.name < b.name ? -1 : 1);
  const exact: KeyedCondition[] = [];
  const routed: KeyedCondition[] = [];
  let branches = 1;
  for (const condition of conditions.filter((each) => each.order === KEY_ORDER.exact).sort(byRank)) {
    if (branches * condition.values.length > MAX_BRANCHES) {
      routed.push({ ...condition, values: [], order: KEY_ORDER.routed });
      continue;
    }
    branches *= condition.values.length;
    exact.push(condition);
  }
  routed.push(...conditions.filter((each) => each.order !== KEY_ORDER.exact));
  return [...exact, ...routed.sort((a, b) => a.order - b.order || byRank(a, b))];
}

/** Builds the trie; each tested path gets a slot the match looks up lazily. */
export class TrieBuilder {
  readonly root = newTrieNode();
  readonly slotPaths: Array<ReadonlyArray<string>> = [];
  private readonly slots = new Map<string, number>();
  /** The child of each routed edge per list of match values, so equal lists share a node. */
  private readonly routedChildren = new Map<RouteEdge, Map<string, TrieNode>>();

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
    if (condition.order !== KEY_ORDER.exact) {
      this.insert(this.routedChild(node, slot, condition.condition), path, depth + 1, alternative);
      return;
    }
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

  private routedChild(node: TrieNode, slot: number, condition: Condition): TrieNode {
    let edge = node.routes.find((candidate) => candidate.slot === slot);
    if (edge === undefined) {
      edge = { slot, router: new ValueRouter() };
      node.routes.push(edge);
    }
    let children = this.routedChildren.get(edge);
    if (children === undefined) {
      children = new Map();
      this.routedChildren.set(edge, children);
    }
    const key = JSON.stringify(condition.values, bigintAsObject);
    let child = children.get(key);
    if (child === undefined) {
      child = newTrieNode();
      children.set(key, child);
      for (const value of condition.values) edge.router.add(value, child);
    }
    return child;
  }
}
