import { buildConditionTree, type ConditionTree, expandAlternatives } from './alternatives.ts';
import type { AnythingButOperand, EventPattern, MatchValue } from './event-pattern.ts';
import {
  canonicalIp,
  exactKey,
  foldCase,
  inCidr,
  inNumericRange,
  isArray,
  isComparableNumber,
  isJsonObject,
  isLeafValue,
  isNumericRange,
  type LeafValue,
  matchWildcard,
  ownField,
  parseCidr,
  parseNumericRange,
  parseWildcard,
} from './value-ops.ts';

/*
 * Semantics, in the words of the EventBridge user guide where it has them:
 *
 * - "For an event pattern to match an event, the event must contain all the field names listed in
 *   the event pattern", nested the same way; other event fields are ignored.
 * - Each field's value in the pattern is a list; the field matches if any element matches. "If the
 *   value in the event is an array, then the event pattern matches if the intersection of the event
 *   pattern array and the event array is non-empty": event arrays (nested ones too) are flattened.
 * - Operators work on leaf values only (strings, numbers, booleans, null). "Exists matching only
 *   works on leaf nodes. It does not work on intermediate nodes": a field holding an object, or an
 *   empty array, has no leaf value, so `exists: true` fails and `exists: false` holds there.
 * - Every operator other than `exists: false` asks a question about a value, so a missing field
 *   never satisfies it; that includes `anything-but`.
 *
 * Arrays of objects follow event-ruler's array-consistent matching (`rulesForJSONEvent`): the
 * conditions of one alternative under an array must all be satisfied by the same element. A subtree
 * that only requires absence (`exists: false`) must hold for every element, i.e. the field is
 * absent throughout the array. Beside positive conditions, an absence holds in the chosen element
 * when a positive field under the array sorts before it, and throughout the array otherwise
 * (`ConditionTree.spanning` says why).
 */

/** The leaf values at a field: the value itself, or the flattened scalars of an array. */
function leafValues(value: unknown, into: LeafValue[] = []): LeafValue[] {
  if (isLeafValue(value)) {
    into.push(value);
  } else if (isArray(value)) {
    for (const element of value) leafValues(element, into);
  }
  return into;
}

function matchesAnythingBut(operand: AnythingButOperand, value: LeafValue): boolean {
  if (typeof operand === 'string') return !(typeof value === 'string' && value === operand);
  if (typeof operand === 'number') {
    return !(typeof value === 'number' && isComparableNumber(value) && value === operand);
  }
  if (isArray(operand)) {
    const excluded: ReadonlyArray<unknown> = operand;
    if (typeof value === 'string') return !excluded.includes(value);
    // A numeric list can only exclude numbers that take part in numeric matching.
    if (typeof value === 'number') return !(isComparableNumber(value) && excluded.includes(value));
    return true;
  }
  // The remaining forms exclude strings only: numbers, booleans and null always pass them.
  if (typeof value !== 'string') return true;
  const list = (texts: string | ReadonlyArray<string>) => (typeof texts === 'string' ? [texts] : texts);
  if ('prefix' in operand) return !list(operand.prefix).some((prefix) => value.startsWith(prefix));
  if ('suffix' in operand) return !list(operand.suffix).some((suffix) => value.endsWith(suffix));
  if ('wildcard' in operand) {
    return !list(operand.wildcard).some((wildcard) => {
      const parts = parseWildcard(wildcard);
      return typeof parts !== 'string' && matchWildcard(parts, value);
    });
  }
  return !list(operand['equals-ignore-case']).some((text) => foldCase(text) === foldCase(value));
}

/** Whether one leaf value satisfies one (non-`exists`) match value. */
function matchesValue(matcher: MatchValue, value: LeafValue): boolean {
  if (typeof matcher === 'string') {
    // event-ruler turns a string that is an IP address into a one-address range, so any spelling
    // of the same address matches it.
    const address = canonicalIp(matcher);
    if (address !== undefined) return typeof value === 'string' && canonicalIp(value) === address;
    return value === matcher;
  }
  if (matcher === null || typeof matcher !== 'object') return exactKey(value) === exactKey(matcher);
  if ('exists' in matcher) return false;
  if ('anything-but' in matcher) return matchesAnythingBut(matcher['anything-but'], value);
  if ('numeric' in matcher) {
    const range = parseNumericRange(matcher.numeric);
    return typeof value === 'number' && isNumericRange(range) && inNumericRange(range, value);
  }
  if (typeof value !== 'string') return false;
  if ('prefix' in matcher) {
    const prefix = matcher.prefix;
    if (typeof prefix === 'string') return value.startsWith(prefix);
    return foldCase(value).startsWith(foldCase(prefix['equals-ignore-case']));
  }
  if ('suffix' in matcher) {
    const suffix = matcher.suffix;
    if (typeof suffix === 'string') return value.endsWith(suffix);
    return foldCase(value).endsWith(foldCase(suffix['equals-ignore-case']));
  }
  if ('equals-ignore-case' in matcher) return foldCase(value) === foldCase(matcher['equals-ignore-case']);
  if ('wildcard' in matcher) {
    const parts = parseWildcard(matcher.wildcard);
    return typeof parts !== 'string' && matchWildcard(parts, value);
  }
  const range = parseCidr(matcher.cidr);
  const address = canonicalIp(value);
  return typeof range !== 'string' && address !== undefined && inCidr(range, address);
}

/** Whether the field holding `fieldValue` satisfies a list of match values. */
function matchesList(matchers: ReadonlyArray<MatchValue>, fieldValue: unknown): boolean {
  const values = leafValues(fieldValue);
  return matchers.some((matcher) => {
    if (matcher !== null && typeof matcher === 'object' && 'exists' in matcher) {
      return matcher.exists === values.length > 0;
    }
    return values.some((value) => matchesValue(matcher, value));
  });
}

/** Whether any leaf value is found at `path` below `value`, looking through arrays at every level. */
function hasValueAt(value: unknown, path: ReadonlyArray<string>): boolean {
  if (isArray(value)) return value.some((element) => hasValueAt(element, path));
  const [key, ...rest] = path;
  if (key === undefined) return isLeafValue(value);
  return isJsonObject(value) && hasValueAt(ownField(value, key), rest);
}

function matchesTree(tree: ConditionTree, value: unknown): boolean {
  if (isArray(value)) {
    if (!tree.positive) return value.every((element) => matchesTree(tree, element));
    return (
      tree.spanning.every((path) => !hasValueAt(value, path)) &&
      value.some((element) => matchesTree(tree, element))
    );
  }
  const object = isJsonObject(value) ? value : undefined;
  const field = (key: string) => (object === undefined ? undefined : ownField(object, key));
  return (
    tree.leaves.every((leaf) => matchesList(leaf.values, field(leaf.key))) &&
    tree.children.every((child) => matchesTree(child.tree, field(child.key)))
  );
}

// Patterns are immutable (their types are read-only), so the expansion of each is computed once.
const expansions = new WeakMap<EventPattern, ReadonlyArray<ConditionTree>>();

function conditionTrees(pattern: EventPattern): ReadonlyArray<ConditionTree> {
  let trees = expansions.get(pattern);
  if (trees === undefined) {
    trees = expandAlternatives(pattern).map(buildConditionTree);
    expansions.set(pattern, trees);
  }
  return trees;
}

/**
 * Whether `event` matches `pattern`, by EventBridge's rules. This is the reference implementation:
 * a direct recursive walk of the pattern and the event, interpreting every operator afresh.
 * `pattern` must have passed `validatePattern`; an event that is not a JSON object matches nothing.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isJsonObject(event)) return false;
  return conditionTrees(pattern).some((tree) => matchesTree(tree, event));
}
