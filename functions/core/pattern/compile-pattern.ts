import type { ConditionTree } from './alternatives.ts';
import type { AnythingButOperand, MatchValue } from './event-pattern.ts';
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
 * The compiled form of a condition tree, used by the pattern index to check candidates. It has the
 * semantics of `match-pattern.ts` (the property tests hold the two to the same answers) but does its
 * parsing once: exact values go into a Set, ranges, CIDR blocks and wildcards are parsed up front,
 * and event values are visited without building arrays.
 */

/** Whether one leaf value satisfies a compiled match value. */
export type ValueTest = (value: LeafValue) => boolean;

/** A compiled list of match values for one field. */
interface CompiledLeaf {
  readonly key: string;
  readonly existsTrue: boolean;
  readonly existsFalse: boolean;
  /** Tests a single leaf value against the list's value matchers; `undefined` when there are none. */
  readonly test: ValueTest | undefined;
}

/** A compiled condition tree. */
export interface CompiledTree {
  readonly leaves: ReadonlyArray<CompiledLeaf>;
  readonly children: ReadonlyArray<{ readonly key: string; readonly tree: CompiledTree }>;
  readonly positive: boolean;
  /** As `ConditionTree.spanning`: absences that must hold across a whole array. */
  readonly spanning: ReadonlyArray<ReadonlyArray<string>>;
}

function asList(texts: string | ReadonlyArray<string>): ReadonlyArray<string> {
  return typeof texts === 'string' ? [texts] : texts;
}

function compiledWildcards(texts: ReadonlyArray<string>): ReadonlyArray<ReadonlyArray<string>> {
  return texts.flatMap((text) => {
    const parts = parseWildcard(text);
    return typeof parts === 'string' ? [] : [parts];
  });
}

function compileAnythingBut(operand: AnythingButOperand): ValueTest {
  if (typeof operand === 'string') return (value) => value !== operand;
  if (typeof operand === 'number') {
    return (value) => !(typeof value === 'number' && value === operand && isComparableNumber(value));
  }
  if (isArray(operand)) {
    const excluded = new Set<unknown>(operand);
    const numeric = typeof operand[0] === 'number';
    return numeric
      ? (value) => !(typeof value === 'number' && excluded.has(value) && isComparableNumber(value))
      : (value) => !(typeof value === 'string' && excluded.has(value));
  }
  if ('prefix' in operand) {
    const prefixes = asList(operand.prefix);
    return (value) => typeof value !== 'string' || !prefixes.some((prefix) => value.startsWith(prefix));
  }
  if ('suffix' in operand) {
    const suffixes = asList(operand.suffix);
    return (value) => typeof value !== 'string' || !suffixes.some((suffix) => value.endsWith(suffix));
  }
  if ('wildcard' in operand) {
    const wildcards = compiledWildcards(asList(operand.wildcard));
    return (value) => typeof value !== 'string' || !wildcards.some((parts) => matchWildcard(parts, value));
  }
  const folded = new Set(asList(operand['equals-ignore-case']).map(foldCase));
  return (value) => typeof value !== 'string' || !folded.has(foldCase(value));
}

/** Compiles one operator match value into a test of leaf values; `undefined` for `exists` (no value to test). */
export function compileOperator(
  matcher: Exclude<MatchValue, string | number | bigint | boolean | null>,
): ValueTest | undefined {
  if ('exists' in matcher) return undefined;
  if ('anything-but' in matcher) return compileAnythingBut(matcher['anything-but']);
  if ('numeric' in matcher) {
    const range = parseNumericRange(matcher.numeric);
    if (!isNumericRange(range)) return () => false;
    return (value) => typeof value === 'number' && inNumericRange(range, value);
  }
  if ('prefix' in matcher) {
    const prefix = matcher.prefix;
    if (typeof prefix === 'string') return (value) => typeof value === 'string' && value.startsWith(prefix);
    const folded = foldCase(prefix['equals-ignore-case']);
    return (value) => typeof value === 'string' && foldCase(value).startsWith(folded);
  }
  if ('suffix' in matcher) {
    const suffix = matcher.suffix;
    if (typeof suffix === 'string') return (value) => typeof value === 'string' && value.endsWith(suffix);
    const folded = foldCase(suffix['equals-ignore-case']);
    return (value) => typeof value === 'string' && foldCase(value).endsWith(folded);
  }
  if ('equals-ignore-case' in matcher) {
    const folded = foldCase(matcher['equals-ignore-case']);
    return (value) => typeof value === 'string' && foldCase(value) === folded;
  }
  if ('wildcard' in matcher) {
    const parts = parseWildcard(matcher.wildcard);
    if (typeof parts === 'string') return () => false;
    return (value) => typeof value === 'string' && matchWildcard(parts, value);
  }
  const range = parseCidr(matcher.cidr);
  if (typeof range === 'string') return () => false;
  return (value) => {
    if (typeof value !== 'string') return false;
    const address = canonicalIp(value);
    return address !== undefined && inCidr(range, address);
  };
}

function compileLeaf(key: string, matchers: ReadonlyArray<MatchValue>): CompiledLeaf {
  const exact = new Set<LeafValue>();
  const addresses = new Set<string>();
  const tests: ValueTest[] = [];
  let existsTrue = false;
  let existsFalse = false;
  for (const matcher of matchers) {
    if (matcher === null || typeof matcher !== 'object') {
      const address = typeof matcher === 'string' ? canonicalIp(matcher) : undefined;
      if (address === undefined) exact.add(exactKey(matcher));
      else addresses.add(address);
    } else if ('exists' in matcher) {
      if (matcher.exists) existsTrue = true;
      else existsFalse = true;
    } else {
      const test = compileOperator(matcher);
      if (test !== undefined) tests.push(test);
    }
  }
  if (exact.size > 0) tests.unshift((value) => exact.has(exactKey(value)));
  if (addresses.size > 0) {
    tests.push((value) => {
      if (typeof value !== 'string') return false;
      const address = canonicalIp(value);
      return address !== undefined && addresses.has(address);
    });
  }
  const [only] = tests;
  const test: ValueTest | undefined =
    tests.length === 0 ? undefined : tests.length === 1 ? only : (value) => tests.some((each) => each(value));
  return { key, existsTrue, existsFalse, test };
}

/** Compiles a condition tree for repeated evaluation. */
export function compileTree(tree: ConditionTree): CompiledTree {
  return {
    leaves: tree.leaves.map((leaf) => compileLeaf(leaf.key, leaf.values)),
    children: tree.children.map((child) => ({ key: child.key, tree: compileTree(child.tree) })),
    positive: tree.positive,
    spanning: tree.spanning,
  };
}

function hasLeaf(value: unknown): boolean {
  if (isLeafValue(value)) return true;
  if (!isArray(value)) return false;
  for (const element of value) if (hasLeaf(element)) return true;
  return false;
}

/** Whether any leaf value is found at `path` (from `depth`) below `value`, through arrays at every level. */
function hasLeafAt(value: unknown, path: ReadonlyArray<string>, depth: number): boolean {
  if (isArray(value)) {
    for (const element of value) if (hasLeafAt(element, path, depth)) return true;
    return false;
  }
  const key = path[depth];
  if (key === undefined) return isLeafValue(value);
  return isJsonObject(value) && hasLeafAt(ownField(value, key), path, depth + 1);
}

function someLeaf(value: unknown, test: ValueTest): boolean {
  if (isLeafValue(value)) return test(value);
  if (!isArray(value)) return false;
  for (const element of value) if (someLeaf(element, test)) return true;
  return false;
}

function leafMatches(leaf: CompiledLeaf, fieldValue: unknown): boolean {
  if (leaf.test !== undefined && someLeaf(fieldValue, leaf.test)) return true;
  if (leaf.existsTrue || leaf.existsFalse) {
    const present = hasLeaf(fieldValue);
    return present ? leaf.existsTrue : leaf.existsFalse;
  }
  return false;
}

/** Evaluates a compiled tree against an event value (the event itself at the root). */
export function evaluateTree(tree: CompiledTree, value: unknown): boolean {
  if (isArray(value)) {
    if (tree.positive) {
      for (const path of tree.spanning) if (hasLeafAt(value, path, 0)) return false;
      for (const element of value) if (evaluateTree(tree, element)) return true;
      return false;
    }
    for (const element of value) if (!evaluateTree(tree, element)) return false;
    return true;
  }
  const object = isJsonObject(value) ? value : undefined;
  for (const leaf of tree.leaves) {
    if (!leafMatches(leaf, object === undefined ? undefined : ownField(object, leaf.key))) return false;
  }
  for (const child of tree.children) {
    if (!evaluateTree(child.tree, object === undefined ? undefined : ownField(object, child.key)))
      return false;
  }
  return true;
}
