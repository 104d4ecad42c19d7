import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePatternIndex,
  type EventPattern,
  isValidPattern,
  type MatchValue,
  matchesPattern,
  validatePattern,
} from '../../../functions/core/pattern/index.ts';

/*
 * The compiled index must give exactly the answers of the reference matcher. Patterns and events are
 * drawn from one small vocabulary so that they overlap often: the same keys, strings that are
 * prefixes, suffixes, case variants and IP spellings of one another, numbers at range edges and
 * beyond the numeric limits, arrays of values, arrays of objects, nested arrays and empty arrays.
 */

const KEYS = ['a', 'b', 'c'] as const;
const STRINGS = [
  'x',
  'X',
  'xy',
  'yx',
  '',
  'a*b',
  '10.0.0.1',
  '10.0.0.200',
  '::ffff:a00:1',
  '2001:db8::1',
] as const;
const NUMBERS = [0, 5, 5.5, -3, 100, 6e9, 0.0000001] as const;

const keyArb = fc.constantFrom(...KEYS);
const scalarArb = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(true, false, null),
);

const someStrings = fc.array(fc.constantFrom('x', 'y', 'X', 'a'), { minLength: 1, maxLength: 2 });

const matchValueArb: fc.Arbitrary<MatchValue> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('x', 'xy', 5, null, '10.0.0.1') },
  { weight: 2, arbitrary: scalarArb },
  fc.constantFrom(12345678901234567890n, 1152921504606846976n, 12345678901234567000),
  fc.record({ prefix: fc.constantFrom('', 'x', 'X', '10.') }),
  fc.record({ prefix: fc.record({ 'equals-ignore-case': fc.constantFrom('x', 'XY') }) }),
  fc.record({ suffix: fc.constantFrom('', 'y', '.1') }),
  fc.record({ suffix: fc.record({ 'equals-ignore-case': fc.constantFrom('Y', 'x', 'Σ') }) }),
  fc.record({ 'equals-ignore-case': fc.constantFrom('x', 'XY') }),
  fc.record({ wildcard: fc.constantFrom('*', 'x*', '*y', 'a\\*b', '*.*.*.1', 'x*y') }),
  fc.record({
    'anything-but': fc.oneof(
      fc.constantFrom('x', 'xy'),
      fc.constantFrom(5, 0),
      someStrings,
      fc.constant([5, 100]),
      fc.record({ prefix: fc.constantFrom('x', '10') }),
      fc.record({ suffix: someStrings }),
      fc.record({ wildcard: fc.constantFrom('x*', '*.1') }),
      fc.record({ 'equals-ignore-case': fc.oneof(fc.constant('X'), someStrings) }),
    ),
  }),
  fc.record({
    numeric: fc.constantFrom(
      ['>', 0],
      ['>=', 5, '<', 100],
      ['=', 5],
      ['<', 0],
      ['<=', 5.5],
      ['>', -3, '<=', 5],
    ),
  }),
  { weight: 2, arbitrary: fc.record({ exists: fc.boolean() }) },
  fc.record({ cidr: fc.constantFrom('10.0.0.0/24', '10.0.0.0/30', '::/0', '2001:db8::/32') }),
);

// Mostly non-empty: an empty list matches nothing, which is tested but should not dominate.
const matchListArb = fc.oneof(
  { weight: 12, arbitrary: fc.array(matchValueArb, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant([]) },
);

/**
 * Runs `numRuns` random rule sets and events: the index's matches for each event must equal the
 * positions `matchesPattern` accepts, in order. Returns how many (pattern, event) pairs matched
 * and missed, so a test can check its generators reach both.
 */
function indexAgreesWithReference(
  patternsArb: fc.Arbitrary<EventPattern[]>,
  eventsArb: fc.Arbitrary<Array<Record<string, unknown>>>,
  numRuns: number,
): { matches: number; misses: number } {
  let matches = 0;
  let misses = 0;
  const property = fc.property(patternsArb, eventsArb, (patterns, events) => {
    const index = compilePatternIndex(patterns.map((pattern, position) => ({ pattern, value: position })));
    for (const event of events) {
      const expected = patterns.flatMap((pattern, position) =>
        matchesPattern(pattern, event) ? [position] : [],
      );
      expect(index.match(event)).toEqual(expected);
      matches += expected.length;
      misses += patterns.length - expected.length;
    }
  });
  fc.assert(property, { numRuns });
  return { matches, misses };
}

function patternArb(depth: number): fc.Arbitrary<EventPattern> {
  const field: fc.Arbitrary<EventPattern[string]> =
    depth === 0 ? matchListArb : fc.oneof({ weight: 3, arbitrary: matchListArb }, patternArb(depth - 1));
  const fields = fc.dictionary(keyArb, field, { minKeys: 1, maxKeys: 2 });
  if (depth === 0) return fields;
  return fc
    .tuple(fields, fc.option(fc.array(patternArb(depth - 1), { minLength: 2, maxLength: 3 }), { freq: 3 }))
    .map(([object, alternatives]) => (alternatives === null ? object : { ...object, $or: alternatives }));
}

const validPatternArb = patternArb(2).filter(isValidPattern);

// Event values lean towards a few common ones so that patterns match often enough to be tested.
// The rare ones: beyond the double range (1e400 reads as Infinity), integers beyond 2^53 read exactly
// (bigint) or as the double they round to, and a final capital sigma.
const eventScalarArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('x', 'xy', 5, null, '10.0.0.1') },
  { weight: 2, arbitrary: scalarArb },
  fc.constantFrom(
    Number.POSITIVE_INFINITY,
    12345678901234567890n,
    12345678901234567000n,
    12345678901234567000,
    2 ** 60,
    'ZΣ',
    'zσ',
  ),
);

function eventValueArb(depth: number): fc.Arbitrary<unknown> {
  if (depth === 0) return fc.oneof(eventScalarArb, fc.array(eventScalarArb, { maxLength: 3 }));
  return fc.oneof(
    { weight: 2, arbitrary: eventScalarArb },
    fc.array(fc.oneof(eventScalarArb, eventObjectArb(depth - 1)), { maxLength: 3 }),
    fc.array(fc.array(eventObjectArb(depth - 1), { maxLength: 2 }), { maxLength: 2 }),
    { weight: 2, arbitrary: eventObjectArb(depth - 1) },
  );
}

function eventObjectArb(depth: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(keyArb, eventValueArb(depth), { minKeys: 2, maxKeys: 3 });
}

const eventArb = eventObjectArb(3);

/**
 * A rough witness for a pattern: an event built to satisfy its first choices. It does not always
 * match (that is what the reference decides), but it makes matches common enough to test both ways.
 */
function witness(pattern: EventPattern, wrapInArray: boolean): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(value)) {
      const [first] = value;
      if (first !== undefined && isValidPattern(first)) Object.assign(event, witness(first, wrapInArray));
    } else if (Array.isArray(value)) {
      const [first] = value;
      const sample = witnessValue(first);
      if (sample !== undefined) event[key] = wrapInArray ? [sample, 'other'] : sample;
    } else if (isValidPattern(value)) {
      const nested = witness(value, wrapInArray);
      event[key] = wrapInArray ? [nested] : nested;
    }
  }
  return event;
}

function witnessValue(matcher: unknown): unknown {
  if (matcher === null || typeof matcher !== 'object') return matcher;
  const [[operator, operand] = []] = Object.entries(matcher);
  const text = (value: unknown) =>
    typeof value === 'string' ? value : String(Object.values(value ?? {})[0] ?? '');
  switch (operator) {
    case 'prefix':
      return `${text(operand)}q`;
    case 'suffix':
      return `q${text(operand)}`;
    case 'equals-ignore-case':
      return text(operand).toUpperCase();
    case 'wildcard':
      return text(operand).replaceAll('\\*', '#').replaceAll('*', 'q').replaceAll('#', '*');
    case 'anything-but':
      return typeof operand === 'number' || (Array.isArray(operand) && typeof operand[0] === 'number')
        ? 7
        : 'zz';
    case 'numeric':
      return Array.isArray(operand) && typeof operand[1] === 'number'
        ? operand[1] + (operand[0] === '>' ? 1 : 0)
        : 0;
    case 'exists':
      return operand === true ? 'x' : undefined;
    case 'cidr':
      return String(operand).includes(':') ? '2001:db8::1' : '10.0.0.1';
    default:
      return undefined;
  }
}

describe('compilePatternIndex agrees with matchesPattern', () => {
  it('on generated patterns and events', () => {
    // Arrange
    let matches = 0;
    let misses = 0;
    const property = fc.property(
      fc.array(validPatternArb, { minLength: 1, maxLength: 8 }),
      fc.array(eventArb, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      (patterns, randomEvents, wrapInArray) => {
        const index = compilePatternIndex(
          patterns.map((pattern, position) => ({ pattern, value: position })),
        );
        const events = [...randomEvents, ...patterns.map((pattern) => witness(pattern, wrapInArray))];
        for (const event of events) {
          // Act
          const indexed = index.match(event);

          // Assert
          const expected = patterns.flatMap((pattern, position) =>
            matchesPattern(pattern, event) ? [position] : [],
          );
          expect(indexed).toEqual(expected);
          matches += expected.length;
          misses += patterns.length - expected.length;
        }
      },
    );

    fc.assert(property, { numRuns: 1500 });

    // The vocabulary is small enough that both outcomes are common; a vacuous run would fail here.
    expect(matches).toBeGreaterThan(1000);
    expect(misses).toBeGreaterThan(1000);
  });

  it('with many patterns sharing exact values, as a trie with shared prefixes', () => {
    // Arrange
    const exactOnly = fc
      .record({
        a: fc.array(fc.constantFrom('x', 'y', 5, null), { minLength: 1, maxLength: 2 }),
        b: fc.option(
          fc.record({ c: fc.array(fc.constantFrom('x', 'xy', true), { minLength: 1, maxLength: 2 }) }),
        ),
      })
      .map(({ a, b }): EventPattern => (b === null ? { a } : { a, b }));
    const property = fc.property(
      fc.array(fc.oneof(exactOnly, validPatternArb), { minLength: 20, maxLength: 60 }),
      eventArb,
      (patterns, event) => {
        const index = compilePatternIndex(
          patterns.map((pattern, position) => ({ pattern, value: position })),
        );

        // Act
        const indexed = index.match(event);

        // Assert
        const expected = patterns.flatMap((pattern, position) =>
          matchesPattern(pattern, event) ? [position] : [],
        );
        expect(indexed).toEqual(expected);
      },
    );

    fc.assert(property, { numRuns: 600 });
  });

  it('returns each entry once even when several of its alternatives match', () => {
    // Arrange
    const pattern: EventPattern = {
      $or: [{ a: ['x'] }, { a: [{ prefix: 'x' }] }, { b: [{ exists: false }] }],
    };
    const index = compilePatternIndex([
      { pattern, value: 'first' },
      { pattern: { a: ['x'] }, value: 'second' },
    ]);

    // Act
    const result = index.match({ a: ['x', 'xy'] });

    // Assert
    expect(result).toEqual(['first', 'second']);
  });
});

describe('compilePatternIndex: values read more than once per event', () => {
  it('treats a null field the same on every lookup', () => {
    // Arrange: the index tests `kind` first, then `state` under each kind; an event holding both
    // kinds reaches `state` twice, and the second time reuses the value read the first time.
    const index = compilePatternIndex([
      { pattern: { kind: ['a'], state: [null] }, value: 'a with null state' },
      { pattern: { kind: ['b'], state: [null] }, value: 'b with null state' },
    ]);

    // Act
    const result = index.match({ kind: ['a', 'b'], state: null });

    // Assert
    expect(result).toEqual(['a with null state', 'b with null state']);
  });
});

describe('validatePattern on arbitrary input', () => {
  it('never throws and accepts only what the index compiles', () => {
    // Arrange
    const property = fc.property(fc.oneof(fc.jsonValue(), patternArb(2)), (candidate) => {
      // Act
      const issues = validatePattern(candidate);

      // Assert
      if (issues.length === 0 && isValidPattern(candidate)) {
        expect(() => compilePatternIndex([{ pattern: candidate, value: 1 }])).not.toThrow();
      } else {
        expect(issues.every((issue) => typeof issue.path === 'string' && issue.message.length > 0)).toBe(
          true,
        );
      }
    });

    fc.assert(property, { numRuns: 1000 });
  });
});

/*
 * The value routers (prefix/suffix hash maps per length, case-folded maps, wildcards filed by their
 * literal ends, the numeric segment tree, anything-but and cidr tests, exists) see many lists per
 * path only when many patterns share a path: these draw 20–60 single-path-heavy patterns from a
 * vocabulary of strings that are affixes of one another (empty, unicode, case variants whose folds
 * change length) and numbers at and next to every range bound.
 */
const ROUTED_STRINGS = [
  '',
  'a',
  'ab',
  'abc',
  'Ab',
  'AB',
  'é',
  'É',
  'éa',
  'ß',
  'İ',
  'i̇',
  '😀',
  'a😀',
  'b',
  'cab',
];
const BOUNDS = [-5e9, -1, 0, 0.000001, 1, 2.5, 3, 5e9] as const;
const ROUTED_NUMBERS = [...BOUNDS, -5e9 - 1, 0.0000005, 2.4999999, 2.500001, 5e9 + 1, 7];
const routedString = fc.constantFrom(...ROUTED_STRINGS);
const bound = fc.constantFrom(...BOUNDS);

const numericArb = fc
  .tuple(fc.constantFrom('>', '>=', '<', '<=', '=', 'range'), bound, bound, fc.boolean(), fc.boolean())
  .map(([operator, low, high, lowInclusive, highInclusive]) =>
    operator === 'range'
      ? [lowInclusive ? '>=' : '>', Math.min(low, high), highInclusive ? '<=' : '<', Math.max(low, high)]
      : [operator, low],
  );

const routedValueArb: fc.Arbitrary<MatchValue> = fc.oneof(
  routedString,
  fc.constantFrom(...ROUTED_NUMBERS, true, null, '10.0.0.1'),
  fc.record({ prefix: routedString }),
  fc.record({ suffix: routedString }),
  fc.record({ prefix: fc.record({ 'equals-ignore-case': routedString }) }),
  fc.record({ suffix: fc.record({ 'equals-ignore-case': routedString }) }),
  fc.record({ 'equals-ignore-case': routedString }),
  fc.record({ wildcard: fc.constantFrom('a*', '*b', '*a*', 'a*c', '*', 'é*', '*😀', 'a*b*c', 'ab') }),
  { weight: 2, arbitrary: fc.record({ numeric: numericArb }) },
  fc.record({
    'anything-but': fc.oneof(
      routedString,
      fc.array(routedString, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(0, 1, [0, 3]),
      fc.record({ prefix: routedString }),
      fc.record({ suffix: fc.array(routedString, { minLength: 1, maxLength: 2 }) }),
      fc.record({ 'equals-ignore-case': routedString }),
      fc.record({ wildcard: fc.constantFrom('a*', '*b') }),
    ),
  }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ cidr: fc.constantFrom('10.0.0.0/24', '10.0.0.0/8') }),
);

const routedPatternArb: fc.Arbitrary<EventPattern> = fc
  .record(
    {
      a: fc.array(routedValueArb, { minLength: 1, maxLength: 3 }),
      b: fc.record({ c: fc.array(routedValueArb, { minLength: 1, maxLength: 2 }) }),
      d: fc.array(fc.constantFrom('x', 'y'), { minLength: 1, maxLength: 1 }),
    },
    { requiredKeys: [] },
  )
  .filter((pattern) => Object.keys(pattern).length > 0)
  .map((pattern): EventPattern => pattern)
  .filter(isValidPattern);

const routedLeaf = fc.oneof(routedString, fc.constantFrom(...ROUTED_NUMBERS, true, false, null, '10.0.0.1'));
const routedFieldArb = fc.oneof(
  { weight: 3, arbitrary: routedLeaf },
  fc.array(routedLeaf, { maxLength: 3 }),
  fc.array(fc.array(routedLeaf, { maxLength: 2 }), { maxLength: 2 }),
);
const routedEventArb = fc.record(
  {
    a: routedFieldArb,
    b: fc.oneof(
      fc.record({ c: routedFieldArb }, { requiredKeys: [] }),
      fc.array(fc.record({ c: routedFieldArb }, { requiredKeys: [] }), { maxLength: 3 }),
      routedLeaf,
    ),
    d: fc.constantFrom('x', 'y'),
  },
  { requiredKeys: [] },
);

describe('compilePatternIndex with non-exact conditions indexed', () => {
  it('agrees with matchesPattern when many lists share a path', () => {
    // Arrange, act and assert: every event of every run against the reference.
    const { matches, misses } = indexAgreesWithReference(
      fc.array(routedPatternArb, { minLength: 20, maxLength: 60 }),
      fc.array(routedEventArb, { minLength: 1, maxLength: 4 }),
      400,
    );

    expect(matches).toBeGreaterThan(1000);
    expect(misses).toBeGreaterThan(300);
  });

  it.each([
    // [pattern, event, matches] — the expected answer is EventBridge's documented behaviour.
    [{ a: [{ prefix: '' }] }, { a: '' }, true],
    [{ a: [{ prefix: 'ab' }] }, { a: 'ab' }, true],
    [{ a: [{ prefix: 'ab' }] }, { a: 'a' }, false],
    [{ a: [{ suffix: '😀' }] }, { a: 'a😀' }, true],
    [{ a: [{ suffix: { 'equals-ignore-case': 'É' } }] }, { a: 'cAFé' }, true],
    [{ a: [{ numeric: ['>', 0, '<=', 3] }] }, { a: 3 }, true],
    [{ a: [{ numeric: ['>', 0, '<=', 3] }] }, { a: 0 }, false],
    [{ a: [{ numeric: ['>', 3] }] }, { a: 5e9 }, true],
    [{ a: [{ numeric: ['<', 5e9] }] }, { a: 5e9 + 1 }, false],
    [{ a: [{ numeric: ['=', 2.5] }] }, { a: [1, 2.5] }, true],
    [{ a: [{ 'anything-but': { prefix: 'ab' } }] }, {}, false],
    [{ a: [{ 'anything-but': { prefix: 'ab' } }] }, { a: ['abc', 'b'] }, true],
    [{ a: [{ 'anything-but': { prefix: 'ab' } }] }, { a: ['abc'] }, false],
    [{ a: [{ exists: true }] }, { a: [] }, false],
    [{ b: { c: [{ prefix: 'a' }], d: [{ exists: false }] } }, { b: { c: 'ab' } }, true],
    [{ b: { c: [{ prefix: 'a' }], e: [1] } }, { b: [{ c: 'ab' }, { e: 1 }] }, false],
    [{ b: { c: [{ prefix: 'a' }], e: [1] } }, { b: [{ c: 'b' }, { c: 'ab', e: 1 }] }, true],
    [{ a: [{ wildcard: 'a*c' }] }, { a: 'ac' }, true],
    [{ a: [{ cidr: '10.0.0.0/24' }] }, { a: '10.0.0.255' }, true],
  ] satisfies Array<[EventPattern, Record<string, unknown>, boolean]>)(
    'indexes %j against %j as a match: %s, like the reference',
    (pattern, event, expected) => {
      // Arrange: the pattern among others on the same path, so its router holds several lists.
      const others: EventPattern[] = [{ a: [{ prefix: 'z' }] }, { a: [{ numeric: ['>', 100] }] }];
      const index = compilePatternIndex(
        [pattern, ...others].map((each, position) => ({ pattern: each, value: position })),
      );

      // Act
      const found = index.match(event).includes(0);

      // Assert
      expect(found).toBe(expected);
      expect(matchesPattern(pattern, event)).toBe(expected);
    },
  );
});

/*
 * Journey-shaped rule sets: `source` and `detail-type` exact in most rules, with a few catch-alls
 * (prefix, suffix, anything-but, exists, equals-ignore-case on `source`) and numeric conditions on
 * `detail.amount`. Small rule sets leave few operator values on a routed edge (tested one by one),
 * larger ones many (a value router): both ways of routing meet the same events.
 */
const SOURCES = ['acme.orders', 'acme.claims', 'acme.', 'other.orders', 'ACME.orders', ''] as const;
const DETAIL_TYPES = ['OrderPaid', 'OrderPlaced', 'Order', 'ClaimOpened'] as const;

const sourceMatcherArb: fc.Arbitrary<MatchValue> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SOURCES) },
  fc.record({ prefix: fc.constantFrom('acme.', 'acme.o', 'other', '', 'ACME') }),
  fc.record({ suffix: fc.constantFrom('.orders', 'claims', '') }),
  fc.record({
    'anything-but': fc.oneof(fc.constantFrom(...SOURCES), fc.record({ prefix: fc.constant('acme.') })),
  }),
  fc.record({ 'equals-ignore-case': fc.constantFrom('ACME.ORDERS', 'acme.claims') }),
  fc.record({ prefix: fc.record({ 'equals-ignore-case': fc.constantFrom('ACME.', 'Other') }) }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ wildcard: fc.constantFrom('acme.*', '*.orders', 'acme.*s') }),
);

const detailTypeMatcherArb: fc.Arbitrary<MatchValue> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...DETAIL_TYPES) },
  fc.record({ prefix: fc.constantFrom('Order', 'Claim') }),
  fc.record({ 'anything-but': fc.constantFrom(...DETAIL_TYPES) }),
);

const amountMatcherArb: fc.Arbitrary<MatchValue> = fc.oneof(
  fc.record({ numeric: fc.constantFrom(['>', 4990], ['>=', 0, '<', 100], ['=', 50], ['<=', -1]) }),
  fc.constantFrom(50, 5000),
  fc.record({ exists: fc.boolean() }),
);

const journeyPatternArb: fc.Arbitrary<EventPattern> = fc
  .record(
    {
      source: fc.array(sourceMatcherArb, { minLength: 1, maxLength: 3 }),
      'detail-type': fc.array(detailTypeMatcherArb, { minLength: 1, maxLength: 2 }),
      detail: fc.record({ amount: fc.array(amountMatcherArb, { minLength: 1, maxLength: 2 }) }),
      either: fc.array(fc.array(detailTypeMatcherArb, { minLength: 1, maxLength: 2 }), {
        minLength: 2,
        maxLength: 2,
      }),
    },
    { requiredKeys: ['source'] },
  )
  .map(({ either, ...fields }): EventPattern => {
    if (either === undefined) return fields;
    const { 'detail-type': _dropped, ...rest } = fields;
    return { ...rest, $or: either.map((types) => ({ 'detail-type': types })) };
  })
  .filter(isValidPattern);

const journeyValueArb = <T>(values: ReadonlyArray<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...values) },
    fc.array(fc.constantFrom(...values), { maxLength: 2 }),
    fc.constantFrom(5, null, true),
  );

const journeyEventArb = fc.record(
  {
    source: journeyValueArb(SOURCES),
    'detail-type': journeyValueArb(DETAIL_TYPES),
    detail: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          { amount: journeyValueArb([0, 50, 99.5, 4991, 5000, -1, '50']) },
          { requiredKeys: [] },
        ),
      },
      fc.array(fc.record({ amount: fc.constantFrom(50, 5000) }), { maxLength: 2 }),
    ),
  },
  { requiredKeys: [] },
);

describe('compilePatternIndex on journey-shaped rule sets', () => {
  it('agrees with matchesPattern with few and many operator values on source', () => {
    // Arrange, act and assert: every event of every run against the reference.
    const { matches, misses } = indexAgreesWithReference(
      fc.array(journeyPatternArb, { minLength: 1, maxLength: 30 }),
      fc.array(journeyEventArb, { minLength: 1, maxLength: 4 }),
      800,
    );

    expect(matches).toBeGreaterThan(500);
    expect(misses).toBeGreaterThan(500);
  });
});
