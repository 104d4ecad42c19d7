import {
  type Alternative,
  buildConditionTree,
  type Condition,
  expandAlternatives,
  isPositive,
} from './alternatives.ts';
import { type CompiledTree, compileTree, evaluateTree } from './compile-pattern.ts';
import { type EventPattern, InvalidPatternError } from './event-pattern.ts';
import { validatePattern } from './validate-pattern.ts';
import {
  canonicalIp,
  inNumericRange,
  isArray,
  isJsonObject,
  isLeafValue,
  isNumericRange,
  type JsonObject,
  type LeafValue,
  type NumericRange,
  ownField,
  parseNumericRange,
} from './value-ops.ts';

/** A compiled set of patterns, each with a value to return when it matches. */
export interface PatternIndex<T> {
  /** The values of every entry whose pattern matches `event`, each once, in insertion order. */
  match(event: unknown): T[];
}

/*
 * How the index works.
 *
 * Each entry's pattern is expanded into alternatives (`$or` branches). Most alternatives in a real
 * rule set pin some fields to exact values (`source`, `detail-type`, a product, a campaign). Those
 * "keyable" conditions are arranged into a trie: each trie node tests one event path by looking the
 * event's value there up in a hash map, and an alternative sits at the node reached by all of its
 * keyable conditions. Paths that more alternatives use come first, so alternatives share trie
 * prefixes and a node has few outgoing paths.
 *
 * Matching an event walks the trie, reading each tested path of the event only when a node needs
 * it (and once per event), taking only the branches whose value the event holds; then it fully
 * checks the alternatives found on the way (the candidates) with the compiled matcher, which covers
 * the non-exact conditions (prefix, numeric, anything-but, ...) and array consistency. The work per
 * event depends on how many alternatives agree with the event on every exact value, not on how many
 * rules there are. Alternatives with no exact value are found through a numeric range when they
 * have one ("any order over 4,990"), and otherwise sit at the root and are checked for every event.
 *
 * Keying is sound because a keyable condition is positive (it needs a witness value), and in
 * array-consistent matching a positive condition's witness is one of the values found at its path
 * when the event's arrays are flattened. For the same reason a keyed top-level condition needs no
 * second check; deeper ones are checked again, since inside an array of objects they must hold in
 * the same element as their neighbours.
 */

/** At most this many trie branches per alternative: a condition whose values would multiply past it stays unkeyed. */
const MAX_BRANCHES = 64;

interface TrieNode {
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
interface RangeRoute {
  readonly slot: number;
  readonly ranges: Array<{ readonly range: NumericRange; readonly alternative: number }>;
}

interface CompiledAlternative {
  readonly entry: number;
  readonly tree: CompiledTree;
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
function numericRanges(
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

/**
 * Compiles entries into an index whose `match` returns exactly the values of the entries that
 * `matchesPattern` says match, in insertion order, each once. Throws `InvalidPatternError` (naming
 * the entry and the path of each problem) if any pattern is invalid.
 */
export function compilePatternIndex<T>(
  entries: ReadonlyArray<{ pattern: EventPattern; value: T }>,
): PatternIndex<T> {
  const expanded = expandEntries(entries);
  const rank = rankByUsage(expanded);
  const trie = new TrieBuilder();
  const alternatives: CompiledAlternative[] = [];
  expanded.forEach(({ entry, alternative: all, keyed }, alternative) => {
    const chosen = chooseKeys(keyed, rank);
    const ranges = chosen.length === 0 ? numericRanges(all) : undefined;
    if (ranges === undefined) trie.insert(trie.root, chosen, 0, alternative);
    else trie.addRanges(ranges, alternative);
    // A candidate reached through the trie holds a chosen value at each keyed path; for a top-level
    // field that is the whole condition (see the note at the top), so the full check skips it.
    const implied = new Set(
      chosen.filter((each) => each.condition.path.length === 1).map((each) => each.condition),
    );
    const remaining = all.filter((condition) => !implied.has(condition));
    alternatives.push({ entry, tree: compileTree(buildConditionTree(remaining)) });
  });
  return new CompiledPatternIndex(
    entries.map((entry) => ({ value: entry.value })),
    alternatives,
    trie.root,
    trie.rangeRoutes,
    trie.slotPaths,
  );
}

/** Validates every pattern and expands it into its alternatives, dropping those that match nothing. */
function expandEntries(entries: ReadonlyArray<{ pattern: EventPattern }>): ExpandedAlternative[] {
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
function rankByUsage(expanded: ReadonlyArray<ExpandedAlternative>): (condition: KeyedCondition) => number {
  const usage = new Map<string, number>();
  for (const { keyed } of expanded) {
    for (const condition of keyed) usage.set(condition.name, (usage.get(condition.name) ?? 0) + 1);
  }
  return (condition) => usage.get(condition.name) ?? 0;
}

/** The keyed conditions an alternative goes into the trie by, most used first, within {@link MAX_BRANCHES}. */
function chooseKeys(
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
class TrieBuilder {
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

/** No leaf value at a path. */
const NONE: unique symbol = Symbol('none');

/** What an event holds at a tested path: nothing, one leaf value, or several (through arrays). */
type PathValues = typeof NONE | LeafValue | LeafValue[];

class CompiledPatternIndex<T> implements PatternIndex<T> {
  // Generation stamps replace per-event sets: a node, alternative, entry or path was seen in this
  // `match` call when its stamp equals `generation`. `match` is synchronous and calls out to nothing,
  // so the counter and the scratch arrays below are never shared between two calls.
  private generation = 0;
  private readonly alternativeStamps: Uint32Array;
  private readonly entryStamps: Uint32Array;
  private readonly slotStamps: Uint32Array;
  private readonly slotValues: PathValues[];
  private readonly candidates: number[] = [];
  private candidateCount = 0;

  constructor(
    private readonly values: ReadonlyArray<{ readonly value: T }>,
    private readonly alternatives: ReadonlyArray<CompiledAlternative>,
    private readonly trieRoot: TrieNode,
    private readonly rangeRoutes: ReadonlyArray<RangeRoute>,
    private readonly slotPaths: ReadonlyArray<ReadonlyArray<string>>,
  ) {
    this.alternativeStamps = new Uint32Array(alternatives.length);
    this.entryStamps = new Uint32Array(values.length);
    this.slotStamps = new Uint32Array(slotPaths.length);
    this.slotValues = slotPaths.map((): PathValues => NONE);
  }

  match(event: unknown): T[] {
    if (!isJsonObject(event)) return [];
    if (this.generation === 0xffffffff) {
      this.generation = 0;
      this.alternativeStamps.fill(0);
      this.entryStamps.fill(0);
      this.slotStamps.fill(0);
      resetStamps(this.trieRoot);
    }
    const generation = ++this.generation;
    this.candidateCount = 0;
    this.visit(this.trieRoot, event, generation);
    for (const route of this.rangeRoutes) this.visitRanges(route, event, generation);

    let matched: number[] | undefined;
    for (let position = 0; position < this.candidateCount; position++) {
      const alternative = this.alternatives[this.candidates[position] ?? -1];
      if (alternative === undefined || this.entryStamps[alternative.entry] === generation) continue;
      if (evaluateTree(alternative.tree, event)) {
        this.entryStamps[alternative.entry] = generation;
        if (matched === undefined) matched = [alternative.entry];
        else matched.push(alternative.entry);
      }
    }
    if (matched === undefined) return [];
    if (matched.length > 1) matched.sort(ascending);
    const result: T[] = [];
    for (const entry of matched) {
      // Boxed so that an entry whose value is itself `undefined` is told apart from a missing entry.
      const box = this.values[entry];
      if (box !== undefined) result.push(box.value);
    }
    return result;
  }

  private visit(node: TrieNode, event: JsonObject, generation: number): void {
    if (node.stamp === generation) return;
    node.stamp = generation;
    for (const alternative of node.terminals) {
      if (this.alternativeStamps[alternative] !== generation) {
        this.alternativeStamps[alternative] = generation;
        this.candidates[this.candidateCount++] = alternative;
      }
    }
    for (const edge of node.edges) {
      const found = this.valuesAt(edge.slot, event, generation);
      if (found === NONE) continue;
      if (isArray(found)) {
        for (const value of found) {
          const child = edge.children.get(value);
          if (child !== undefined) this.visit(child, event, generation);
        }
      } else {
        const child = edge.children.get(found);
        if (child !== undefined) this.visit(child, event, generation);
      }
    }
  }

  private visitRanges(route: RangeRoute, event: JsonObject, generation: number): void {
    const found = this.valuesAt(route.slot, event, generation);
    if (found === NONE) return;
    for (const value of isArray(found) ? found : [found]) {
      if (typeof value !== 'number') continue;
      for (const { range, alternative } of route.ranges) {
        if (this.alternativeStamps[alternative] !== generation && inNumericRange(range, value)) {
          this.alternativeStamps[alternative] = generation;
          this.candidates[this.candidateCount++] = alternative;
        }
      }
    }
  }

  /** The event's leaf values at a slot's path, looked up once per event. */
  private valuesAt(slot: number, event: JsonObject, generation: number): PathValues {
    if (this.slotStamps[slot] === generation) {
      // Not `??`: a cached `null` is a value (JSON null), not a missing entry.
      const cached = this.slotValues[slot];
      return cached === undefined ? NONE : cached;
    }
    const found = valuesAtPath(event, this.slotPaths[slot] ?? []);
    this.slotStamps[slot] = generation;
    this.slotValues[slot] = found;
    return found;
  }
}

function ascending(left: number, right: number): number {
  return left - right;
}

function resetStamps(node: TrieNode): void {
  node.stamp = 0;
  for (const edge of node.edges) for (const child of edge.children.values()) resetStamps(child);
}

/**
 * The leaf values at `path` below the event. The common case, a path of plain objects ending in a
 * scalar, walks the keys without allocating; arrays anywhere switch to collecting every value.
 */
function valuesAtPath(event: JsonObject, path: ReadonlyArray<string>): PathValues {
  let value: unknown = event;
  for (let depth = 0; depth < path.length; depth++) {
    if (isArray(value)) {
      const collected: LeafValue[] = [];
      gather(value, path, depth, collected);
      return collected.length === 0 ? NONE : collected;
    }
    if (!isJsonObject(value)) return NONE;
    value = ownField(value, path[depth] ?? '');
  }
  if (isLeafValue(value)) return value;
  if (!isArray(value)) return NONE;
  const collected: LeafValue[] = [];
  gather(value, path, path.length, collected);
  return collected.length === 0 ? NONE : collected;
}

/** Appends the leaf values found at `path` below `value`, looking through arrays at every level. */
function gather(value: unknown, path: ReadonlyArray<string>, depth: number, into: LeafValue[]): void {
  if (isArray(value)) {
    for (const element of value) gather(element, path, depth, into);
    return;
  }
  const key = path[depth];
  if (key === undefined) {
    if (isLeafValue(value)) into.push(value);
    return;
  }
  if (isJsonObject(value)) gather(ownField(value, key), path, depth + 1, into);
}
