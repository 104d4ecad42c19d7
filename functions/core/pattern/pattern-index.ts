import { buildConditionTree, type Condition } from './alternatives.ts';
import { type CompiledTree, compileTree, evaluateTree } from './compile-pattern.ts';
import type { EventPattern } from './event-pattern.ts';
import { chooseKeys, expandEntries, rankByUsage, TrieBuilder, type TrieNode } from './pattern-trie.ts';
import {
  exactKey,
  isArray,
  isJsonObject,
  isLeafValue,
  type JsonObject,
  type LeafValue,
  ownField,
} from './value-ops.ts';

/** A compiled set of patterns, each with a value to return when it matches. */
export interface PatternIndex<T> {
  /** The values of every entry whose pattern matches `event`, each once, in insertion order. */
  match(event: unknown): ReadonlyArray<T>;
}

/** What `match` returns when nothing matches (most calls): one shared empty list, not one per call. */
const NO_MATCH: ReadonlyArray<never> = Object.freeze([]);

/*
 * How the index works.
 *
 * Each entry's pattern is expanded into alternatives (`$or` branches). Every condition of an
 * alternative that needs a value to be present at its path (everything but `exists: false`) is a
 * key, and the keys are arranged into a trie, like event-ruler's automaton over all patterns: each
 * trie node tests event paths, and an alternative sits at the node reached by all of its keys.
 * Exact values are tested by a hash map per path, one child per value; the other operators (prefix,
 * suffix, equals-ignore-case, wildcard, numeric, anything-but, exists, cidr) by a value router per
 * path (`value-router.ts`: affix hash maps, a segment tree of numeric ranges, ...), one child per
 * list of match values. Exact keys come first and paths that more alternatives use come first, so
 * alternatives share trie prefixes and a node has few outgoing paths.
 *
 * Matching an event walks the trie, reading each tested path of the event only when a node needs
 * it (and once per event), taking only the branches whose condition the event's value there
 * satisfies; then it checks the alternatives found on the way (the candidates) with the compiled
 * matcher, for what the trie cannot see: absence, and array consistency where the event holds an
 * array of objects on the way to a keyed nested path (each slot read records whether it did). An
 * alternative is a candidate only when every one of its positive conditions has a witness, so the
 * work per event follows the conditions the event satisfies, not the number of rules.
 *
 * Keying is sound because a keyable condition is positive (it needs a witness value), and in
 * array-consistent matching a positive condition's witness is one of the values found at its path
 * when the event's arrays are flattened. For the same reason a keyed top-level condition needs no
 * second check, nor does a deeper one whose path met no array of the event: its value is the only
 * one there. Where the path did meet an array, the keyed conditions are checked again, since inside
 * an array of objects they must hold in the same element as their neighbours. Unkeyed (absence)
 * conditions on their own are checked as a tree of their own: along the keyed paths there is no
 * array, so grouping with the keyed ones would change nothing.
 */

interface CompiledAlternative {
  readonly entry: number;
  /** The conditions to check when the event holds an array on the way to a keyed nested path. */
  readonly remaining: ReadonlyArray<Condition>;
  /** The conditions the trie did not key (absence, or a second list at one path); `undefined`: none. */
  readonly unkeyed: ReadonlyArray<Condition> | undefined;
  /** The slots of the keyed nested paths. */
  readonly nestedSlots: ReadonlyArray<number>;
  // Compiled on first use: most alternatives are never checked in full (heap and compile time).
  tree?: CompiledTree;
  residual?: CompiledTree;
}

function fullTree(alternative: CompiledAlternative): CompiledTree {
  if (alternative.tree === undefined)
    alternative.tree = compileTree(buildConditionTree(alternative.remaining));
  return alternative.tree;
}

function residualTree(alternative: CompiledAlternative, unkeyed: ReadonlyArray<Condition>): CompiledTree {
  if (alternative.residual === undefined) alternative.residual = compileTree(buildConditionTree(unkeyed));
  return alternative.residual;
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
    trie.insert(trie.root, chosen, 0, alternative);
    // A candidate reached through the trie holds a witness value at each keyed path; for a top-level
    // field that is the whole condition (see the note at the top), so the full check skips it.
    const implied = new Set(
      chosen.filter((each) => each.condition.path.length === 1).map((each) => each.condition),
    );
    const remaining = all.filter((condition) => !implied.has(condition));
    const keyedConditions = new Set(chosen.map((each) => each.condition));
    const residual = all.filter((condition) => !keyedConditions.has(condition));
    alternatives.push({
      entry,
      remaining,
      unkeyed: residual.length === 0 ? undefined : residual,
      nestedSlots: chosen
        .filter((each) => each.condition.path.length > 1)
        .map((each) => trie.slotFor(each.condition.path)),
    });
  });
  return new CompiledPatternIndex(
    entries.map((entry) => ({ value: entry.value })),
    alternatives,
    trie.root,
    trie.slotPaths,
  );
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
  /** 1 when the slot's path went through an array before its last key in this call's event. */
  private readonly slotThroughArray: Uint8Array;
  /** Per slot: the container holding its last key (-1: the event itself) and that key. */
  private readonly slotContainers: Int32Array;
  private readonly slotKeys: ReadonlyArray<string>;
  /** Objects on the way to nested slots (`detail`, `detail.customer`, ...), each read once per event. */
  private readonly containers: ReadonlyArray<{ readonly parent: number; readonly key: string }>;
  private readonly containerStamps: Uint32Array;
  private readonly containerValues: ContainerValue[];
  private readonly candidates: number[] = [];
  private candidateCount = 0;
  private readonly matched: number[] = [];
  /** The event of the current `match` call, for {@link reach}. */
  private event: JsonObject = {};

  constructor(
    private readonly values: ReadonlyArray<{ readonly value: T }>,
    private readonly alternatives: ReadonlyArray<CompiledAlternative>,
    private readonly trieRoot: TrieNode,
    private readonly slotPaths: ReadonlyArray<ReadonlyArray<string>>,
  ) {
    this.alternativeStamps = new Uint32Array(alternatives.length);
    this.entryStamps = new Uint32Array(values.length);
    this.slotStamps = new Uint32Array(slotPaths.length);
    this.slotValues = slotPaths.map((): PathValues => NONE);
    this.slotThroughArray = new Uint8Array(slotPaths.length);
    const layout = containerLayout(slotPaths);
    this.slotContainers = Int32Array.from(layout.slotContainers);
    this.slotKeys = slotPaths.map((path) => path[path.length - 1] ?? '');
    this.containers = layout.containers;
    this.containerStamps = new Uint32Array(layout.containers.length);
    this.containerValues = layout.containers.map((): ContainerValue => undefined);
  }

  match(event: unknown): ReadonlyArray<T> {
    if (!isJsonObject(event)) return NO_MATCH;
    if (this.generation === 0xffffffff) {
      this.generation = 0;
      this.alternativeStamps.fill(0);
      this.entryStamps.fill(0);
      this.slotStamps.fill(0);
      this.containerStamps.fill(0);
      resetStamps(this.trieRoot);
    }
    const generation = ++this.generation;
    this.candidateCount = 0;
    this.event = event;
    this.visit(this.trieRoot, event, generation);

    // The matched entries, in a list kept between calls (its first `count` places).
    const matched = this.matched;
    let count = 0;
    for (let position = 0; position < this.candidateCount; position++) {
      const alternative = this.alternatives[this.candidates[position] ?? -1];
      if (alternative === undefined || this.entryStamps[alternative.entry] === generation) continue;
      if (this.holds(alternative, event, generation)) {
        this.entryStamps[alternative.entry] = generation;
        matched[count++] = alternative.entry;
      }
    }
    if (count === 0) return NO_MATCH;
    matched.length = count;
    if (count > 1) sortEntries(matched);
    // Made at its size: an empty array pushed to makes room for 17 values.
    const result = new Array<T>(count);
    let found = 0;
    for (const entry of matched) {
      // Boxed so that an entry whose value is itself `undefined` is told apart from a missing entry.
      const box = this.values[entry];
      if (box !== undefined) result[found++] = box.value;
    }
    result.length = found;
    return result;
  }

  /**
   * Whether a candidate holds in full. When no keyed nested path went through an array of the
   * event, each keyed condition held on its own value, so only the unkeyed ones are left to check
   * (see the note at the top); otherwise they must hold together in one array element.
   */
  private holds(alternative: CompiledAlternative, event: JsonObject, generation: number): boolean {
    let throughArray = false;
    for (const slot of alternative.nestedSlots) {
      if (this.slotStamps[slot] !== generation || this.slotThroughArray[slot] === 1) throughArray = true;
    }
    if (throughArray) return evaluateTree(fullTree(alternative), event);
    const unkeyed = alternative.unkeyed;
    return unkeyed === undefined || evaluateTree(residualTree(alternative, unkeyed), event);
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
    for (const route of node.routes) {
      const found = this.valuesAt(route.slot, event, generation);
      if (found === NONE) continue;
      if (isArray(found)) for (const value of found) route.router.route(value, this.reach);
      else route.router.route(found, this.reach);
    }
  }

  /** Visits a child a value router reached, within the current `match` call. */
  private readonly reach = (child: TrieNode): void => {
    this.visit(child, this.event, this.generation);
  };

  /** The event's leaf values at a slot's path, looked up once per event. */
  private valuesAt(slot: number, event: JsonObject, generation: number): PathValues {
    if (this.slotStamps[slot] === generation) {
      // Not `??`: a cached `null` is a value (JSON null), not a missing entry.
      const cached = this.slotValues[slot];
      return cached === undefined ? NONE : cached;
    }
    const container = this.slotContainers[slot] ?? -1;
    const holder = container < 0 ? event : this.containerAt(container, event, generation);
    let found: PathValues;
    if (holder === THROUGH_ARRAY) {
      walk.throughArray = false;
      found = valuesAtPath(event, this.slotPaths[slot] ?? []);
      this.slotThroughArray[slot] = walk.throughArray ? 1 : 0;
    } else {
      found = holder === undefined ? NONE : leafValues(ownField(holder, this.slotKeys[slot] ?? ''));
      this.slotThroughArray[slot] = 0;
    }
    this.slotStamps[slot] = generation;
    this.slotValues[slot] = found;
    return found;
  }

  /** The object at a container's path, read once per event (see {@link ContainerValue}). */
  private containerAt(container: number, event: JsonObject, generation: number): ContainerValue {
    if (this.containerStamps[container] === generation) return this.containerValues[container];
    const { parent, key } = this.containers[container] ?? { parent: -1, key: '' };
    const holder = parent < 0 ? event : this.containerAt(parent, event, generation);
    let value: ContainerValue;
    if (holder === THROUGH_ARRAY || holder === undefined) value = holder;
    else {
      const field = ownField(holder, key);
      value = isJsonObject(field) ? field : isArray(field) ? THROUGH_ARRAY : undefined;
    }
    this.containerStamps[container] = generation;
    this.containerValues[container] = value;
    return value;
  }
}

/** An array on the way to a path: its values are gathered by {@link valuesAtPath}. */
const THROUGH_ARRAY: unique symbol = Symbol('through array');

/** What the event holds at a container's path: an object, an array on the way, or neither. */
type ContainerValue = JsonObject | typeof THROUGH_ARRAY | undefined;

/**
 * The containers (the paths' proper prefixes) of the slot paths, each once, parents before children,
 * so that `detail` is read once per event for every `detail.*` slot.
 */
function containerLayout(slotPaths: ReadonlyArray<ReadonlyArray<string>>): {
  slotContainers: number[];
  containers: Array<{ parent: number; key: string }>;
} {
  const containers: Array<{ parent: number; key: string }> = [];
  const known = new Map<string, number>();
  const containerOf = (path: ReadonlyArray<string>): number => {
    if (path.length === 0) return -1;
    const name = JSON.stringify(path);
    const existing = known.get(name);
    if (existing !== undefined) return existing;
    const parent = containerOf(path.slice(0, -1));
    containers.push({ parent, key: path[path.length - 1] ?? '' });
    known.set(name, containers.length - 1);
    return containers.length - 1;
  };
  const slotContainers = slotPaths.map((path) => containerOf(path.slice(0, -1)));
  return { slotContainers, containers };
}

/** The leaf values of a field read from a plain object: one, several (an array), or none. */
function leafValues(value: unknown): PathValues {
  if (isLeafValue(value)) return exactKey(value);
  if (!isArray(value)) return NONE;
  const collected: LeafValue[] = [];
  gather(value, [], 0, collected);
  return collected.length === 0 ? NONE : collected;
}

function ascending(left: number, right: number): number {
  return left - right;
}

/** Sorts entry numbers in place: a few by insertion (no work array, unlike `sort`), more by `sort`. */
function sortEntries(entries: number[]): void {
  if (entries.length > 16) {
    entries.sort(ascending);
    return;
  }
  for (let i = 1; i < entries.length; i++) {
    const entry = entries[i] ?? 0;
    let j = i - 1;
    while (j >= 0 && (entries[j] ?? 0) > entry) {
      entries[j + 1] = entries[j] ?? 0;
      j--;
    }
    entries[j + 1] = entry;
  }
}

function resetStamps(node: TrieNode, seen = new Set<TrieNode>()): void {
  if (seen.has(node)) return;
  seen.add(node);
  node.stamp = 0;
  for (const edge of node.edges) for (const child of edge.children.values()) resetStamps(child, seen);
  for (const route of node.routes) for (const child of route.router.targets()) resetStamps(child, seen);
}

/** Set by {@link valuesAtPath}: whether the path met an array before its last key. */
const walk = { throughArray: false };

/**
 * The leaf values at `path` below the event, normalized by `exactKey` for the exact-value maps. The common case, a path of plain objects ending in a
 * scalar, walks the keys without allocating; arrays anywhere switch to collecting every value.
 */
function valuesAtPath(event: JsonObject, path: ReadonlyArray<string>): PathValues {
  let value: unknown = event;
  for (let depth = 0; depth < path.length; depth++) {
    if (isArray(value)) {
      walk.throughArray = true;
      const collected: LeafValue[] = [];
      gather(value, path, depth, collected);
      return collected.length === 0 ? NONE : collected;
    }
    if (!isJsonObject(value)) return NONE;
    value = ownField(value, path[depth] ?? '');
  }
  if (isLeafValue(value)) return exactKey(value);
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
    if (isLeafValue(value)) into.push(exactKey(value));
    return;
  }
  if (isJsonObject(value)) gather(ownField(value, key), path, depth + 1, into);
}
