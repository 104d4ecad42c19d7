import { compileOperator, type ValueTest } from './compile-pattern.ts';
import type { MatchValue } from './event-pattern.ts';
import {
  canonicalIp,
  exactKey,
  foldCase,
  isComparableNumber,
  isNumericRange,
  type LeafValue,
  matchWildcard,
  type NumericRange,
  parseNumericRange,
  parseWildcard,
} from './value-ops.ts';

/*
 * One trie edge over the non-exact conditions at one event path: given a leaf value of the event,
 * it reaches the targets (trie nodes) whose list of match values that value satisfies, without
 * testing the lists one by one. Each kind of match value has its own index, the way event-ruler
 * builds one automaton over all patterns:
 *
 * - exact values and `equals-ignore-case`: hash maps (on the value, its IP address, its case fold);
 * - `prefix` / `suffix` (plain or case-folded): hash maps per distinct affix length, so a value is
 *   looked up once per length in use, not once per pattern;
 * - `wildcard`: filed under its literal first part as a prefix (or its last part as a suffix), then
 *   checked in full only for the values that share it;
 * - `numeric`: a segment tree over the ranges' end points (a stabbing query reports every range that
 *   holds the number in O(log n + k));
 * - `exists: true`: every leaf value reaches it;
 * - `anything-but` and `cidr`: checked per value (an anything-but matches almost every value, so its
 *   cost is that of the matches it reports).
 *
 * Every answer is the value-level semantics of `compile-pattern.ts`/`match-pattern.ts`; the
 * property tests hold the index to the reference matcher.
 */

interface Routed<N> {
  readonly target: N;
  /** A further check after the index lookup (a wildcard's middle parts); none when the lookup decides. */
  readonly test?: ValueTest;
}

/** Hash maps of affixes (prefixes or suffixes), one lookup per distinct length. */
class AffixTable<N> {
  private readonly byAffix = new Map<string, Routed<N>[]>();
  private lengths: number[] = [];

  constructor(private readonly fromEnd: boolean) {}

  add(affix: string, routed: Routed<N>): void {
    const list = this.byAffix.get(affix);
    if (list === undefined) this.byAffix.set(affix, [routed]);
    else list.push(routed);
    if (!this.lengths.includes(affix.length)) this.lengths = [...this.lengths, affix.length].sort(byNumber);
  }

  targets(): N[] {
    return [...this.byAffix.values()].flat().map(({ target }) => target);
  }

  route(value: string, original: string, reach: (target: N) => void): void {
    const size = value.length;
    for (const length of this.lengths) {
      if (length > size) return;
      const affix =
        length === size ? value : this.fromEnd ? value.slice(size - length) : value.slice(0, length);
      const hits = this.byAffix.get(affix);
      if (hits !== undefined) reachAll(hits, original, reach);
    }
  }
}

function byNumber(left: number, right: number): number {
  return left - right;
}

function reachAll<N>(hits: ReadonlyArray<Routed<N>>, value: LeafValue, reach: (target: N) => void): void {
  for (const { target, test } of hits) if (test === undefined || test(value)) reach(target);
}

function addTo<K, N>(map: Map<K, N[]>, key: K, target: N): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [target]);
  else list.push(target);
}

/**
 * Numeric ranges as a static segment tree over elementary regions: with the distinct end points
 * p0 < p1 < … sorted, region 2i+1 is the point p_i and region 2i the open gap before it. A range
 * covers a contiguous run of regions, filed under O(log n) tree nodes; a number's region is found by
 * binary search and every range holding it sits on the path from that leaf to the root.
 */
class IntervalTable<N> {
  private readonly pending: Array<{ range: NumericRange; target: N }> = [];
  private points: number[] = [];
  private tree: Array<N[] | undefined> = [];
  private leaves = 0;

  add(range: NumericRange, target: N): void {
    this.pending.push({ range, target });
    this.leaves = 0;
  }

  private build(): void {
    this.points = [...new Set(this.pending.flatMap(({ range }) => [range.low, range.high]))].sort(byNumber);
    const regions = 2 * this.points.length + 1;
    this.leaves = 1;
    while (this.leaves < regions) this.leaves *= 2;
    this.tree = new Array<N[] | undefined>(2 * this.leaves);
    for (const { range, target } of this.pending) {
      const lowAt = 2 * this.pointIndex(range.low);
      const highAt = 2 * this.pointIndex(range.high);
      let left = (range.lowInclusive ? lowAt + 1 : lowAt + 2) + this.leaves;
      let right = (range.highInclusive ? highAt + 1 : highAt) + 1 + this.leaves;
      while (left < right) {
        if (left & 1) this.file(left++, target);
        if (right & 1) this.file(--right, target);
        left >>= 1;
        right >>= 1;
      }
    }
  }

  private file(node: number, target: N): void {
    const list = this.tree[node];
    if (list === undefined) this.tree[node] = [target];
    else list.push(target);
  }

  /** The index of the first end point ≥ `value` (`points.length` when there is none). */
  private pointIndex(value: number): number {
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.points[middle] ?? 0) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  targets(): N[] {
    return this.pending.map(({ target }) => target);
  }

  route(value: number, reach: (target: N) => void): void {
    if (this.leaves === 0) this.build();
    const at = this.pointIndex(value);
    let node = (this.points[at] === value ? 2 * at + 1 : 2 * at) + this.leaves;
    while (node >= 1) {
      const list = this.tree[node];
      if (list !== undefined) for (const target of list) reach(target);
      node >>= 1;
    }
  }
}

/** Routes an event's leaf values at one path to the targets whose match values they satisfy. */
export class ValueRouter<N> {
  private readonly exact = new Map<LeafValue, N[]>();
  private readonly addresses = new Map<string, N[]>();
  private readonly folded = new Map<string, N[]>();
  private readonly prefixes = new AffixTable<N>(false);
  private readonly suffixes = new AffixTable<N>(true);
  private readonly foldedPrefixes = new AffixTable<N>(false);
  private readonly foldedSuffixes = new AffixTable<N>(true);
  private readonly numbers = new IntervalTable<N>();
  private readonly present: N[] = [];
  private readonly tested: Array<{ readonly target: N; readonly test: ValueTest }> = [];
  private hasStrings = false;
  private hasFolded = false;
  private hasNumbers = false;

  /**
   * Files `target` under one match value of a positive list (never `exists: false`: a list that
   * can be satisfied by absence is not routed, see `pattern-trie.ts`).
   */
  add(matcher: MatchValue, target: N): void {
    if (matcher === null || typeof matcher !== 'object') {
      const address = typeof matcher === 'string' ? canonicalIp(matcher) : undefined;
      if (address === undefined) addTo(this.exact, exactKey(matcher), target);
      else addTo(this.addresses, address, target);
      return;
    }
    if ('exists' in matcher) {
      if (!matcher.exists) throw new Error('exists: false cannot be routed');
      this.present.push(target);
    } else if ('prefix' in matcher) {
      this.addAffix(matcher.prefix, target, this.prefixes, this.foldedPrefixes);
    } else if ('suffix' in matcher) {
      this.addAffix(matcher.suffix, target, this.suffixes, this.foldedSuffixes);
    } else if ('equals-ignore-case' in matcher) {
      this.hasFolded = true;
      addTo(this.folded, foldCase(matcher['equals-ignore-case']), target);
    } else if ('wildcard' in matcher) {
      this.addWildcard(matcher.wildcard, target);
    } else if ('numeric' in matcher) {
      const range = parseNumericRange(matcher.numeric);
      if (isNumericRange(range)) {
        this.hasNumbers = true;
        this.numbers.add(range, target);
      }
    } else {
      // anything-but and cidr: checked per value with the compiled test.
      const test = compileOperator(matcher);
      if (test !== undefined) this.tested.push({ target, test });
    }
  }

  private addAffix(
    operand: string | { readonly 'equals-ignore-case': string },
    target: N,
    plain: AffixTable<N>,
    folded: AffixTable<N>,
  ): void {
    if (typeof operand === 'string') {
      this.hasStrings = true;
      plain.add(operand, { target });
    } else {
      this.hasFolded = true;
      folded.add(foldCase(operand['equals-ignore-case']), { target });
    }
  }

  private addWildcard(text: string, target: N): void {
    const parts = parseWildcard(text);
    if (typeof parts === 'string') return;
    const first = parts[0] ?? '';
    const last = parts[parts.length - 1] ?? '';
    const test: ValueTest = (value) => typeof value === 'string' && matchWildcard(parts, value);
    if (parts.length === 1) {
      addTo(this.exact, first, target);
    } else if (first !== '' || last === '') {
      this.hasStrings = true;
      this.prefixes.add(first, { target, test });
    } else {
      this.hasStrings = true;
      this.suffixes.add(last, { target, test });
    }
  }

  /** Every target filed, each once (to reset the index's stamps). */
  targets(): Set<N> {
    const all = new Set<N>([...this.present, ...this.tested.map(({ target }) => target)]);
    for (const map of [this.exact, this.addresses, this.folded]) {
      for (const list of map.values()) for (const target of list) all.add(target);
    }
    for (const table of [this.prefixes, this.suffixes, this.foldedPrefixes, this.foldedSuffixes]) {
      for (const target of table.targets()) all.add(target);
    }
    for (const target of this.numbers.targets()) all.add(target);
    return all;
  }

  /**
   * Calls `reach` for every target one of whose match values `value` satisfies (a target may repeat).
   * `value` is already normalized by `exactKey`, as the index reads it.
   */
  route(value: LeafValue, reach: (target: N) => void): void {
    const hits = this.exact.get(value);
    if (hits !== undefined) for (const target of hits) reach(target);
    if (typeof value === 'string') this.routeString(value, reach);
    else if (this.hasNumbers && typeof value === 'number' && isComparableNumber(value)) {
      this.numbers.route(value, reach);
    }
    for (const target of this.present) reach(target);
    for (const { target, test } of this.tested) if (test(value)) reach(target);
  }

  private routeString(value: string, reach: (target: N) => void): void {
    if (this.hasStrings) {
      this.prefixes.route(value, value, reach);
      this.suffixes.route(value, value, reach);
    }
    if (this.hasFolded) {
      const folded = foldCase(value);
      const hits = this.folded.get(folded);
      if (hits !== undefined) for (const target of hits) reach(target);
      this.foldedPrefixes.route(folded, value, reach);
      this.foldedSuffixes.route(folded, value, reach);
    }
    if (this.addresses.size > 0) {
      const address = canonicalIp(value);
      const hits = address === undefined ? undefined : this.addresses.get(address);
      if (hits !== undefined) for (const target of hits) reach(target);
    }
  }
}
