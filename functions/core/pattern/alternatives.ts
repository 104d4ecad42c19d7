import { type EventPattern, MATCH_OPERATORS, type MatchValue, OR_KEY } from './event-pattern.ts';
import { isArray, isJsonObject } from './value-ops.ts';

/**
 * One conjunct of an alternative: the field at `path` (object keys from the event root) must
 * satisfy the list of match values ("any of").
 */
export interface Condition {
  readonly path: ReadonlyArray<string>;
  readonly values: ReadonlyArray<MatchValue>;
}

/** A pattern without `$or`: every condition must hold. */
export type Alternative = ReadonlyArray<Condition>;

const OPERATOR_NAMES: ReadonlySet<string> = new Set(MATCH_OPERATORS);

/** Narrows an element of a validated match list. */
function isMatchValue(value: unknown): value is MatchValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'bigint'
  ) {
    return true;
  }
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && OPERATOR_NAMES.has(keys[0] ?? '');
}

/** Narrows an `$or` alternative or a nested pattern of a validated pattern. */
function isPatternObject(value: unknown): value is EventPattern {
  return isJsonObject(value);
}

/** True for the match value `{ "exists": false }`. */
function isAbsence(value: MatchValue): boolean {
  return isJsonObject(value) && 'exists' in value && value.exists === false;
}

/**
 * Whether a list needs a value to be present in the event. A list holding only `{ "exists": false }`
 * is satisfied by absence; every other list (including the empty one, which nothing satisfies)
 * needs a witness value.
 */
export function isPositive(values: ReadonlyArray<MatchValue>): boolean {
  return values.length === 0 || !values.every(isAbsence);
}

function samePath(left: ReadonlyArray<string>, right: ReadonlyArray<string>): boolean {
  return left.length === right.length && left.every((key, index) => key === right[index]);
}

/**
 * Every combination of an alternative from `left` (fields earlier in the pattern) with one from
 * `right` (later fields). A field given again later replaces the earlier one, as the EventBridge
 * guide says of a key included twice ("the last reference will be the one used") and as
 * event-ruler's `JsonRuleCompiler` does when an `$or` branch names a field the pattern also names.
 */
function product(left: Alternative[], right: Alternative[]): Alternative[] {
  const combined: Alternative[] = [];
  for (const first of left) {
    for (const second of right) {
      const kept = first.filter((earlier) => !second.some((later) => samePath(earlier.path, later.path)));
      combined.push([...kept, ...second]);
    }
  }
  return combined;
}

/**
 * A list that mixes `{ "exists": false }` with other match values is a disjunction of "absent" and
 * "one of the others". Splitting it into two alternatives keeps each list either purely about
 * absence or purely about values, which is what array-consistent matching needs (see
 * `match-pattern.ts`): event-ruler checks absence and values by different mechanisms too.
 */
function splitList(path: ReadonlyArray<string>, values: ReadonlyArray<MatchValue>): Alternative[] {
  const absent = values.filter(isAbsence);
  const others = values.filter((value) => !isAbsence(value));
  if (absent.length > 0 && others.length > 0) {
    return [[{ path, values: absent }], [{ path, values: others }]];
  }
  return [[{ path, values }]];
}

/**
 * Expands `$or` (at any depth, nested or side by side) into the alternatives it stands for, as
 * event-ruler's `JsonRuleCompiler` does: `{ a, $or: [{ b }, { c }] }` becomes `[{ a, b }, { a, c }]`.
 * Expects a pattern that passed `validatePattern`.
 */
export function expandAlternatives(pattern: EventPattern, path: ReadonlyArray<string> = []): Alternative[] {
  let alternatives: Alternative[] = [[]];
  for (const key of Object.keys(pattern)) {
    const value = pattern[key];
    if (key === OR_KEY && isArray(value)) {
      const branches = value.filter(isPatternObject).flatMap((branch) => expandAlternatives(branch, path));
      alternatives = product(alternatives, branches);
    } else if (isArray(value)) {
      alternatives = product(alternatives, splitList([...path, key], value.filter(isMatchValue)));
    } else if (isPatternObject(value)) {
      alternatives = product(alternatives, expandAlternatives(value, [...path, key]));
    }
  }
  return alternatives;
}

/** An alternative regrouped by object nesting, so conditions under one object are checked together. */
export interface ConditionTree {
  readonly leaves: ReadonlyArray<{ readonly key: string; readonly values: ReadonlyArray<MatchValue> }>;
  readonly children: ReadonlyArray<{ readonly key: string; readonly tree: ConditionTree }>;
  /** Whether any list in this subtree needs a value to be present (see `isPositive`). */
  readonly positive: boolean;
  /**
   * The paths (below this tree's field) of the absence lists that, where the field holds an array,
   * must hold across the whole array rather than in the element that satisfies the positive lists.
   * event-ruler checks a rule's fields in the order of their dotted names (`GenericMachine` sorts
   * them), and checks `exists: false` against the event's fields that are array-consistent with the
   * fields matched *before* it (`NameState.getNameTransitions`). A positive field under the array
   * that sorts earlier pins the element; with none, any element holding the field defeats the
   * absence. So `{"b":{"x":["1"],"a":[{"exists":false}]}}` does not match
   * `{"b":[{"x":"1"},{"a":0}]}` ("b.a" sorts before "b.x"), while the same pattern with `z` in place
   * of `a` does.
   */
  readonly spanning: ReadonlyArray<ReadonlyArray<string>>;
}

interface MutableTree {
  leaves: Array<{ key: string; values: ReadonlyArray<MatchValue> }>;
  children: Map<string, MutableTree>;
}

/** Every list below `tree`, with its path from `tree` and whether it needs a value. */
function listsBelow(
  tree: MutableTree,
  prefix: ReadonlyArray<string>,
  into: Array<{ path: ReadonlyArray<string>; positive: boolean }> = [],
): Array<{ path: ReadonlyArray<string>; positive: boolean }> {
  for (const leaf of tree.leaves)
    into.push({ path: [...prefix, leaf.key], positive: isPositive(leaf.values) });
  for (const [key, child] of tree.children) listsBelow(child, [...prefix, key], into);
  return into;
}

/** The absence lists no positive list under the same field sorts before (see `ConditionTree.spanning`). */
function spanningAbsences(tree: MutableTree): ReadonlyArray<ReadonlyArray<string>> {
  const lists = listsBelow(tree, []);
  // Sorted by UTF-16 code units, as Java's String.compareTo sorts event-ruler's keys.
  const [first] = lists
    .filter((list) => list.positive)
    .map((list) => list.path.join('.'))
    .sort();
  if (first === undefined) return [];
  return lists.filter((list) => !list.positive && list.path.join('.') < first).map((list) => list.path);
}

function freeze(tree: MutableTree): ConditionTree {
  const children = [...tree.children].map(([key, child]) => ({ key, tree: freeze(child) }));
  const positive =
    tree.leaves.some((leaf) => isPositive(leaf.values)) || children.some((child) => child.tree.positive);
  return { leaves: tree.leaves, children, positive, spanning: spanningAbsences(tree) };
}

/**
 * Groups an alternative's conditions by their object path. Conditions that share a path prefix
 * share a subtree, which is what makes matching inside arrays of objects consistent: both
 * `employees.firstName` and `employees.lastName` must hold in the same element.
 */
export function buildConditionTree(alternative: Alternative): ConditionTree {
  const root: MutableTree = { leaves: [], children: new Map() };
  for (const condition of alternative) {
    let node = root;
    const last = condition.path.length - 1;
    condition.path.forEach((key, index) => {
      if (index === last) {
        node.leaves.push({ key, values: condition.values });
        return;
      }
      let child = node.children.get(key);
      if (child === undefined) {
        child = { leaves: [], children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    });
  }
  return freeze(root);
}
