import { describe, expect, it } from 'vitest';
import {
  compilePatternIndex,
  type EventPattern,
  matchesPattern,
} from '../../../functions/core/pattern/index.ts';

/**
 * Behaviours other JavaScript and Python EventBridge emulators get wrong, each pinned with what AWS
 * says. Every case runs through the reference matcher and the compiled index.
 */
function bothMatchers(
  pattern: EventPattern,
  event: Record<string, unknown>,
): { direct: boolean; indexed: boolean } {
  const index = compilePatternIndex([{ pattern, value: true }]);
  return { direct: matchesPattern(pattern, event), indexed: index.match(event).length === 1 };
}

describe('anything-but needs a value to compare', () => {
  // eb-create-pattern-operators: "Comparison operators only work on leaf nodes"; anything-but
  // "matches anything except what's provided in the rule" — a missing field provides nothing to
  // compare. event-ruler's ByteMachine only evaluates anything-but against values present in the event.
  it('does not match an event where the field is missing', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { other: 'x' } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('does not match when the whole parent object is missing', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': ['stopped'] }] } };

    // Act
    const result = bothMatchers(pattern, { source: 'acme.orders' });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  // eb-event-patterns: the values patterns match "follow JSON rules", including the keyword null, so
  // null is a value — and it is not the excluded string.
  it('matches a field whose value is null, since null is not the excluded string', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { state: null } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('matches null against a prefix exclusion, which only strings can fail', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { state: null } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('does not match an empty event array, which holds no value', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { state: [] } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });
});

describe('exists on arrays and intermediate nodes', () => {
  // eb-event-patterns-content-based-filtering: "Exists matching only works on leaf nodes. It does not
  // work on intermediate nodes." The guide's own example matches `exists: true` on a detail.state
  // that is an array of strings.
  it('exists true matches a field holding an array of values', () => {
    // Arrange
    const pattern: EventPattern = { detail: { state: [{ exists: true }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { state: ['initializing', 'running'] } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('exists true does not match an empty array, which has no leaf', () => {
    // Arrange
    const pattern: EventPattern = { detail: { tags: [{ exists: true }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { tags: [] } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('exists false matches an empty array', () => {
    // Arrange
    const pattern: EventPattern = { detail: { tags: [{ exists: false }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { tags: [] } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('exists true does not match an array of objects, which are intermediate nodes', () => {
    // Arrange
    const pattern: EventPattern = { detail: { items: [{ exists: true }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { items: [{ sku: 'A-1' }] } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('exists true does not match an object (intermediate) node', () => {
    // Arrange
    const pattern: EventPattern = { detail: { 'c-count': [{ exists: true }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { 'c-count': { c1: 100 } } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('exists false matches an object (intermediate) node, as the guide shows for c-count', () => {
    // Arrange
    const pattern: EventPattern = { detail: { 'c-count': [{ exists: false }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { 'c-count': { c1: 100 } } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('exists true matches a null value, which is a leaf', () => {
    // Arrange
    const pattern: EventPattern = { detail: { responseElements: [{ exists: true }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { responseElements: null } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('exists false inside an array of objects means absent from every element', () => {
    // Arrange: only the second item lacks a discount, so "discount does not exist" is false overall.
    const pattern: EventPattern = { detail: { items: { discount: [{ exists: false }] } } };

    // Act
    const result = bothMatchers(pattern, { detail: { items: [{ discount: 5 }, { sku: 'B' }] } });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  // event-ruler sorts a rule's fields by dotted name and checks `exists: false` only against the
  // event fields array-consistent with the fields matched before it (GenericMachine.addPatternRule,
  // NameState.getNameTransitions): "detail.items.discount" comes before "detail.items.tier", so no
  // element is chosen yet and any item with a discount defeats the absence.
  it('exists false sorting before its value neighbour must hold in every array element', () => {
    // Arrange: the gold item has no discount, but the silver one has.
    const pattern: EventPattern = { detail: { items: { tier: ['gold'], discount: [{ exists: false }] } } };

    // Act
    const result = bothMatchers(pattern, {
      detail: { items: [{ tier: 'silver', discount: 5 }, { tier: 'gold' }] },
    });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('exists false sorting after its value neighbour is checked in the element that matched', () => {
    // Arrange: "detail.items.voucher" comes after "detail.items.tier": the gold item is chosen first.
    const pattern: EventPattern = { detail: { items: { tier: ['gold'], voucher: [{ exists: false }] } } };

    // Act
    const result = bothMatchers(pattern, {
      detail: { items: [{ tier: 'silver', voucher: 'V1' }, { tier: 'gold' }] },
    });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('the issue case: {"b":{"x":["1"],"a":[{"exists":false}]}} does not match {"b":[{"x":"1"},{"a":0}]}', () => {
    // Arrange
    const pattern: EventPattern = { b: { x: ['1'], a: [{ exists: false }] } };

    // Act
    const result = bothMatchers(pattern, { b: [{ x: '1' }, { a: 0 }] });

    // Assert
    expect(result).toEqual({ direct: false, indexed: false });
  });

  it('an absence sorting first still holds when no element has the field', () => {
    // Arrange
    const pattern: EventPattern = { b: { x: ['1'], a: [{ exists: false }] } };

    // Act
    const result = bothMatchers(pattern, { b: [{ x: '2' }, { x: '1', y: 0 }] });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });
});

describe('empty prefix', () => {
  // eb-create-pattern-operators: "You can use prefix matching for string values." Every string,
  // including "", starts with "" — but only strings do.
  it.each([
    ['an empty string', { detail: { name: '' } }, true],
    ['a string', { detail: { name: 'Alice' } }, true],
    ['a missing field', { detail: {} }, false],
    ['a number', { detail: { name: 5 } }, false],
    ['null', { detail: { name: null } }, false],
    ['a boolean', { detail: { name: false } }, false],
  ])('{"prefix": ""} against %s gives %s', (_label, event, expected) => {
    // Arrange
    const pattern: EventPattern = { detail: { name: [{ prefix: '' }] } };

    // Act
    const result = bothMatchers(pattern, event);

    // Assert
    expect(result).toEqual({ direct: expected, indexed: expected });
  });
});

describe('null in patterns', () => {
  // eb-event-patterns-null-values: [null] matches a field whose value is null; "Null values and
  // empty strings are not interchangeable in pattern matching."
  it.each([
    ['a null value', { detail: { responseElements: null } }, true],
    ['a missing field', { detail: {} }, false],
    ['an empty string', { detail: { responseElements: '' } }, false],
    ['the string "null"', { detail: { responseElements: 'null' } }, false],
    ['an array holding null', { detail: { responseElements: ['x', null] } }, true],
  ])('[null] against %s gives %s', (_label, event, expected) => {
    // Arrange
    const pattern: EventPattern = { detail: { responseElements: [null] } };

    // Act
    const result = bothMatchers(pattern, event);

    // Assert
    expect(result).toEqual({ direct: expected, indexed: expected });
  });
});

describe('numbers and strings', () => {
  // eb-event-patterns: patterns match JSON values — "strings enclosed in quotation marks ("),
  // numbers, and the keywords true, false, and null". A string is never a number.
  it.each([
    ['[5] vs the string "5"', { amount: [5] }, { amount: '5' }, false],
    ['["5"] vs the number 5', { amount: ['5'] }, { amount: 5 }, false],
    ['[5] vs 5.0 (the same JSON number)', { amount: [5] }, { amount: 5.0 }, true],
    ['[true] vs the string "true"', { flag: [true] }, { flag: 'true' }, false],
    ['numeric = 5 vs the string "5"', { amount: [{ numeric: ['=', 5] }] }, { amount: '5' }, false],
    ['anything-but 5 vs the string "5"', { amount: [{ 'anything-but': 5 }] }, { amount: '5' }, true],
    ['anything-but "5" vs the number 5', { amount: [{ 'anything-but': '5' }] }, { amount: 5 }, true],
  ] satisfies Array<[string, EventPattern, Record<string, unknown>, boolean]>)(
    '%s',
    (_label, pattern, event, expected) => {
      // Arrange (the table above)

      // Act
      const result = bothMatchers(pattern, event);

      // Assert
      expect(result).toEqual({ direct: expected, indexed: expected });
    },
  );
});

describe('IP addresses given as plain values', () => {
  // event-ruler's JsonRuleCompiler turns a string that is an IP address into a one-address range,
  // so different spellings of one address match; EventBridge's guide points to `cidr` for blocks.
  it('matches another spelling of the same IPv6 address', () => {
    // Arrange
    const pattern: EventPattern = { detail: { ip: ['2001:db8::1'] } };

    // Act
    const result = bothMatchers(pattern, { detail: { ip: '2001:0db8:0:0:0:0:0:1' } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });

  it('matches an IPv4-mapped IPv6 address against the IPv4 block it maps into', () => {
    // Arrange
    const pattern: EventPattern = { detail: { ip: [{ cidr: '10.0.0.0/24' }] } };

    // Act
    const result = bothMatchers(pattern, { detail: { ip: '::ffff:a00:1' } });

    // Assert
    expect(result).toEqual({ direct: true, indexed: true });
  });
});

describe('a field named twice', () => {
  // eb-event-patterns-content-based-filtering: "if you include a key more than once the last
  // reference will be the one used". event-ruler applies the same rule when an $or branch names a
  // field the pattern names too: whichever comes later in the pattern replaces the other.
  it('an $or branch replaces the same field given before it', () => {
    // Arrange
    const pattern: EventPattern = { status: ['PAID'], $or: [{ status: ['DUE'] }, { channel: ['sms'] }] };

    // Act
    const due = bothMatchers(pattern, { status: 'DUE' });
    const paidBySms = bothMatchers(pattern, { status: 'PAID', channel: 'sms' });
    const paidByEmail = bothMatchers(pattern, { status: 'PAID', channel: 'email' });

    // Assert
    expect([due, paidBySms, paidByEmail]).toEqual([
      { direct: true, indexed: true },
      { direct: true, indexed: true },
      { direct: false, indexed: false },
    ]);
  });

  it('a field given after an $or replaces it in every branch', () => {
    // Arrange
    const pattern: EventPattern = { $or: [{ status: ['DUE'] }, { status: ['OVERDUE'] }], status: ['PAID'] };

    // Act
    const paid = bothMatchers(pattern, { status: 'PAID' });
    const due = bothMatchers(pattern, { status: 'DUE' });

    // Assert
    expect([paid, due]).toEqual([
      { direct: true, indexed: true },
      { direct: false, indexed: false },
    ]);
  });
});

describe('non-object events', () => {
  it.each([null, 'text', 42, ['a']])('matches nothing for %j', (event) => {
    // Arrange
    const pattern: EventPattern = { detail: { missing: [{ exists: false }] } };
    const index = compilePatternIndex([{ pattern, value: 'rule' }]);

    // Act
    const results = { direct: matchesPattern(pattern, event), indexed: index.match(event) };

    // Assert
    expect(results).toEqual({ direct: false, indexed: [] });
  });
});
