import { compileOperator, type ValueTest } from './compile-pattern.ts';
import type { MatchValue } from './event-pattern.ts';
import {
  canonicalIp,
  exactKey,
  foldCase,
  inNumericRange,
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

/**
 * At most this many affixes of one length are compared in place (`startsWith`/`endsWith`) rather than
 * cut out of the value and looked up: cutting allocates a string and hashes it, which costs more than
 * a few comparisons (a catch-all such as `prefix: "acme."` is met by every event).
 */
const FEW_AFFIXES = 4;

/** The affixes of one length: their text, compared in place while there are few of them. */
interface AffixLength {
  readonly length: number;
  readonly affixes: string[];
}

/** Hash maps of affixes (prefixes or suffixes), one lookup per distinct length. */
class AffixTable<N> {
  private readonly byAffix = new Map<string, Routed<N>[]>();
  private lengths: AffixLength[] = [];

  constructor(private readonly fromEnd: boolean) {}

  add(affix: string, routed: Routed<N>): void {
    const list = this.byAffix.get(affix);
    if (list !== undefined) {
      list.push(routed);
      return;
    }
    this.byAffix.set(affix, [routed]);
    const group = this.lengths.find((each) => each.length === affix.length);
    if (group === undefined) {
      this.lengths = [...this.lengths, { length: affix.length, affixes: [affix] }].sort(byLength);
    } else {
      group.affixes.push(affix);
    }
  }

  targets(): N[] {
    return [...this.byAffix.values()].flat().map(({ target }) => target);
  }

  route(value: string, original: string, reach: (target: N) => void): void {
    const size = value.length;
    for (const { length, affixes } of this.lengths) {
      if (length > size) return;
      if (affixes.length <= FEW_AFFIXES) {
        for (const affix of affixes) {
          if (this.fromEnd ? value.endsWith(affix) : value.startsWith(affix)) {
            const hits = this.byAffix.get(affix);
            if (hits !== undefined) reachAll(hits, original, reach);
          }
        }
        continue;
      }
      const affix =
        length === size ? value : this.fromEnd ? value.slice(size - length) : value.slice(0, length);
      const hits = this.byAffix.get(affix);
      if (hits !== undefined) reachAll(hits, original, reach);
    }
  }
}

function byLength(left: AffixLength, right: AffixLength): number {
  return left.length - right.length;
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

/** At most this many numeric ranges are tested one by one instead of through the segment tree. */
const FEW_RANGES = 4;

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
    // A few ranges are tested one by one: a search and a walk up the tree cost more.
    if (this.pending.length <= FEW_RANGES) {
      for (const { range, target } of this.pending) if (inNumericRange(range, value)) reach(target);
      return;
    }
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

/**
 * Routes an event's leaf values at one path to the targets whose match values they satisfy. Most
 * routers hold one or two lists (a rule set of 10,000 journey rules builds ~12,700 of them), so each
 * table is made when its first match value arrives: an unused kind costs one empty field.
 */
export class ValueRouter<N> {
  private exact: Map<LeafValue, N[]> | undefined;
  private addresses: Map<string, N[]> | undefined;
  private folded: Map<string, N[]> | undefined;
  private prefixes: AffixTable<N> | undefined;
  private suffixes: AffixTable<N> | undefined;
  private foldedPrefixes: AffixTable<N> | undefined;
  private foldedSuffixes: AffixTable<N> | undefined;
  private numbers: IntervalTable<N> | undefined;
  private present: N[] | undefined;
  private tested: Array<{ readonly target: N; readonly test: ValueTest }> | undefined;

  /**
   * Files `target` under one match value of a positive list (never `exists: false`: a list that
   * can be satisfied by absence is not routed, see `pattern-trie.ts`).
   */
  add(matcher: MatchValue, target: N): void {
    if (matcher === null || typeof matcher !== 'object') {
      const address = typeof matcher === 'string' ? canonicalIp(matcher) : undefined;
      if (address === undefined) addTo(this.exactMap(), exactKey(matcher), target);
      else addTo(this.addressMap(), address, target);
      return;
    }
    if ('exists' in matcher) {
      if (!matcher.exists) throw new Error('exists: false cannot be routed');
      this.presentList().push(target);
    } else if ('prefix' in matcher) {
      const operand = matcher.prefix;
      if (typeof operand === 'string') this.prefixTable().add(operand, { target });
      else this.foldedPrefixTable().add(foldCase(operand['equals-ignore-case']), { target });
    } else if ('suffix' in matcher) {
      const operand = matcher.suffix;
      if (typeof operand === 'string') this.suffixTable().add(operand, { target });
      else this.foldedSuffixTable().add(foldCase(operand['equals-ignore-case']), { target });
    } else if ('equals-ignore-case' in matcher) {
      addTo(this.foldedMap(), foldCase(matcher['equals-ignore-case']), target);
    } else if ('wildcard' in matcher) {
      this.addWildcard(matcher.wildcard, target);
    } else if ('numeric' in matcher) {
      const range = parseNumericRange(matcher.numeric);
      if (isNumericRange(range)) this.numberTable().add(range, target);
    } else {
      // anything-but and cidr: checked per value with the compiled test.
      const test = compileOperator(matcher);
      if (test !== undefined) this.testedList().push({ target, test });
    }
  }

  // Each table is made on first use (see the class comment).
  private exactMap(): Map<LeafValue, N[]> {
    if (this.exact === undefined) this.exact = new Map();
    return this.exact;
  }

  private addressMap(): Map<string, N[]> {
    if (this.addresses === undefined) this.addresses = new Map();
    return this.addresses;
  }

  private foldedMap(): Map<string, N[]> {
    if (this.folded === undefined) this.folded = new Map();
    return this.folded;
  }

  private prefixTable(): AffixTable<N> {
    if (this.prefixes === undefined) this.prefixes = new AffixTable(false);
    return this.prefixes;
  }

  private suffixTable(): AffixTable<N> {
    if (this.suffixes === undefined) this.suffixes = new AffixTable(true);
    return this.suffixes;
  }

  /** Case-folded affixes: the folded map marks that values must be folded when routed. */
  private foldedPrefixTable(): AffixTable<N> {
    this.foldedMap();
    if (this.foldedPrefixes === undefined) this.foldedPrefixes = new AffixTable(false);
    return this.foldedPrefixes;
  }

  private foldedSuffixTable(): AffixTable<N> {
    this.foldedMap();
    if (this.foldedSuffixes === undefined) this.foldedSuffixes = new AffixTable(true);
    return this.foldedSuffixes;
  }

  private numberTable(): IntervalTable<N> {
    if (this.numbers === undefined) this.numbers = new IntervalTable();
    return this.numbers;
  }

  private presentList(): N[] {
    if (this.present === undefined) this.present = [];
    return this.present;
  }

  private testedList(): Array<{ readonly target: N; readonly test: ValueTest }> {
    if (this.tested === undefined) this.tested = [];
    return this.tested;
  }

  private addWildcard(text: string, target: N): void {
    const parts = parseWildcard(text);
    if (typeof parts === 'string') return;
    const first = parts[0] ?? '';
    const last = parts[parts.length - 1] ?? '';
    const test: ValueTest = (value) => typeof value === 'string' && matchWildcard(parts, value);
    if (parts.length === 1) {
      addTo(this.exactMap(), first, target);
    } else if (first !== '' || last === '') {
      this.prefixTable().add(first, { target, test });
    } else {
      this.suffixTable().add(last, { target, test });
    }
  }

  /** Every target filed, each once (to reset the index's stamps). */
  targets(): Set<N> {
    const all = new Set<N>([...(this.present ?? []), ...(this.tested ?? []).map(({ target }) => target)]);
    for (const map of [this.exact, this.addresses, this.folded]) {
      for (const list of map?.values() ?? []) for (const target of list) all.add(target);
    }
    for (const table of [this.prefixes, this.suffixes, this.foldedPrefixes, this.foldedSuffixes]) {
      for (const target of table?.targets() ?? []) all.add(target);
    }
    for (const target of this.numbers?.targets() ?? []) all.add(target);
    return all;
  }

  /**
   * Calls `reach` for every target one of whose match values `value` satisfies (a target may repeat).
   * `value` is already normalized by `exactKey`, as the index reads it.
   */
  route(value: LeafValue, reach: (target: N) => void): void {
    const hits = this.exact?.get(value);
    if (hits !== undefined) for (const target of hits) reach(target);
    if (typeof value === 'string') this.routeString(value, reach);
    else if (this.numbers !== undefined && typeof value === 'number' && isComparableNumber(value)) {
      this.numbers.route(value, reach);
    }
    if (this.present !== undefined) for (const target of this.present) reach(target);
    if (this.tested !== undefined) for (const { target, test } of this.tested) if (test(value)) reach(target);
  }

  private routeString(value: string, reach: (target: N) => void): void {
    this.prefixes?.route(value, value, reach);
    this.suffixes?.route(value, value, reach);
    if (this.folded !== undefined) {
      const folded = foldCase(value);
      const hits = this.folded.get(folded);
      if (hits !== undefined) for (const target of hits) reach(target);
      this.foldedPrefixes?.route(folded, value, reach);
      this.foldedSuffixes?.route(folded, value, reach);
    }
    if (this.addresses !== undefined) {
      const address = canonicalIp(value);
      const hits = address === undefined ? undefined : this.addresses.get(address);
      if (hits !== undefined) for (const target of hits) reach(target);
    }
  }
}
