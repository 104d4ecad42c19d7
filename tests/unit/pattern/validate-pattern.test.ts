import { describe, expect, it } from 'vitest';
import {
  assertValidPattern,
  compilePatternIndex,
  type EventPattern,
  InvalidPatternError,
  isValidPattern,
  validatePattern,
} from '../../../functions/core/pattern/index.ts';

describe('validatePattern: valid patterns', () => {
  it.each([
    ['exact values of every JSON type', { a: ['x', 1, 2.5, true, false, null] }],
    ['nested objects', { detail: { order: { status: ['PAID'] } } }],
    [
      'prefix and suffix, plain and ignoring case',
      { a: [{ prefix: '' }, { suffix: { 'equals-ignore-case': '.PNG' } }] },
    ],
    ['equals-ignore-case', { a: [{ 'equals-ignore-case': 'Alice' }] }],
    [
      'wildcards with escapes',
      { a: [{ wildcard: '*/lib/*' }, { wildcard: 'a\\*b' }, { wildcard: 'c\\\\*' }] },
    ],
    [
      'every anything-but form',
      {
        a: [
          { 'anything-but': 'x' },
          { 'anything-but': 5 },
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': [1, 2.5] },
          { 'anything-but': { prefix: 'init' } },
          { 'anything-but': { suffix: ['.png', '.jpg'] } },
          { 'anything-but': { wildcard: '*/lib/*' } },
          { 'anything-but': { 'equals-ignore-case': ['a', 'B'] } },
        ],
      },
    ],
    [
      'every numeric form',
      {
        a: [
          { numeric: ['=', 3.018e2] },
          { numeric: ['<', 10] },
          { numeric: ['<=', 10] },
          { numeric: ['>', 0] },
          { numeric: ['>=', -5e9 + 1] },
          { numeric: ['>', 0, '<=', 5] },
          { numeric: ['>=', 0.000001, '<', 0.000002] },
        ],
      },
    ],
    ['exists', { a: [{ exists: true }], b: [{ exists: false }] }],
    [
      'IPv4 and IPv6 CIDR blocks',
      { a: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/64' }, { cidr: '0.0.0.0/0' }] },
    ],
    [
      '$or at several levels',
      {
        $or: [{ a: ['x'] }, { b: ['y'], $or: [{ c: [1] }, { d: [2] }] }],
        detail: { $or: [{ e: [{ exists: true }] }, { f: [{ prefix: 'g' }] }] },
      },
    ],
    ['operator names as ordinary field names outside $or', { prefix: ['x'], numeric: [1] }],
  ])('accepts %s', (_label, pattern) => {
    // Arrange (the pattern above)

    // Act
    const issues = validatePattern(pattern);

    // Assert
    expect(issues).toEqual([]);
  });
});

describe('validatePattern: invalid patterns', () => {
  it.each([
    ['a pattern that is not an object', ['source'], '', /JSON object/],
    ['an empty pattern', {}, '', /empty objects/],
    ['an empty nested object', { detail: {} }, 'detail', /empty objects/],
    ['a leaf that is not an array', { source: 'aws.ec2' }, 'source', /must be an array of match values/],
    ['a leaf that is a number', { detail: { count: 5 } }, 'detail.count', /must be an array/],
    ['a nested array in a match list', { a: [['x']] }, 'a[0]', /nested arrays/],
    [
      'an unknown operator',
      { detail: { status: [{ contains: 'x' }] } },
      'detail.status[0].contains',
      /unknown operator "contains"/,
    ],
    [
      'two operators in one expression',
      { a: [{ prefix: 'x', suffix: 'y' }] },
      'a[0]',
      /exactly one operator/,
    ],
    ['an empty match expression', { a: [{}] }, 'a[0]', /exactly one operator, found none/],
    [
      'a non-string prefix',
      { detail: { status: [{ prefix: 5 }] } },
      'detail.status[0].prefix',
      /prefix must be a string/,
    ],
    [
      'a prefix object with another key',
      { a: [{ prefix: { 'ignore-case': 'x' } }] },
      'a[0].prefix',
      /equals-ignore-case/,
    ],
    ['a non-string suffix', { a: [{ suffix: ['.png'] }] }, 'a[0].suffix', /suffix must be a string/],
    [
      'a non-string equals-ignore-case',
      { a: [{ 'equals-ignore-case': 1 }] },
      'a[0].equals-ignore-case',
      /must be a string/,
    ],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }, 'a[0].wildcard', /consecutive wildcard/],
    [
      'an escape of a plain character in a wildcard',
      { a: [{ wildcard: 'a\\b' }] },
      'a[0].wildcard',
      /invalid escape/,
    ],
    ['a trailing backslash in a wildcard', { a: [{ wildcard: 'a\\' }] }, 'a[0].wildcard', /invalid escape/],
    [
      'a numeric operand that is not an array',
      { a: [{ numeric: '>5' }] },
      'a[0].numeric',
      /must be an array/,
    ],
    [
      'an unknown numeric operator',
      { a: [{ numeric: ['!=', 5] }] },
      'a[0].numeric[0]',
      /must start with one of/,
    ],
    [
      'a numeric comparison without a number',
      { a: [{ numeric: ['>', '5'] }] },
      'a[0].numeric[1]',
      /must be a number/,
    ],
    [
      'an upper bound before a lower bound',
      { a: [{ numeric: ['<', 5, '>', 1] }] },
      'a[0].numeric[2]',
      /must come last/,
    ],
    [
      'a range whose second operator is not < or <=',
      { a: [{ numeric: ['>', 1, '>', 5] }] },
      'a[0].numeric[2]',
      /"<" or "<="/,
    ],
    [
      'a range missing its upper value',
      { a: [{ numeric: ['>', 1, '<'] }] },
      'a[0].numeric[3]',
      /must be a number/,
    ],
    ['too many numeric terms', { a: [{ numeric: ['>', 1, '<', 5, 6] }] }, 'a[0].numeric[4]', /too many/],
    ['"=" with extra terms', { a: [{ numeric: ['=', 1, '<', 5] }] }, 'a[0].numeric[2]', /exactly one number/],
    ['an empty range', { a: [{ numeric: ['>', 5, '<', 5] }] }, 'a[0].numeric', /lower bound must be less/],
    ['a numeric value beyond 5e9', { a: [{ numeric: ['<', 6e9] }] }, 'a[0].numeric[1]', /-5e9 and 5e9/],
    [
      'a numeric value with seven decimals',
      { a: [{ numeric: ['>', 0.0000001] }] },
      'a[0].numeric[1]',
      /6 decimal places/,
    ],
    ['exists that is not a boolean', { a: [{ exists: 'true' }] }, 'a[0].exists', /true or false/],
    ['a CIDR without a mask', { a: [{ cidr: '10.0.0.0' }] }, 'a[0].cidr', /exactly one "\/"/],
    ['a CIDR with a non-numeric mask', { a: [{ cidr: '10.0.0.0/x' }] }, 'a[0].cidr', /must be an integer/],
    ['a CIDR with a negative mask', { a: [{ cidr: '10.0.0.0/-1' }] }, 'a[0].cidr', /must not be negative/],
    [
      'an IPv4 CIDR with a /32 mask',
      { a: [{ cidr: '10.0.0.1/32' }] },
      'a[0].cidr',
      /IPv4 mask bits must be less than 32/,
    ],
    [
      'an IPv6 CIDR with a /128 mask',
      { a: [{ cidr: '::1/128' }] },
      'a[0].cidr',
      /IPv6 mask bits must be less than 128/,
    ],
    [
      'a CIDR whose address has an octet over 255',
      { a: [{ cidr: '10.0.0.256/24' }] },
      'a[0].cidr',
      /not an IPv4 or IPv6/,
    ],
    [
      'a CIDR whose address is a hostname',
      { a: [{ cidr: 'example.com/24' }] },
      'a[0].cidr',
      /not an IPv4 or IPv6/,
    ],
    ['a CIDR that is not a string', { a: [{ cidr: 10 }] }, 'a[0].cidr', /must be a string/],
    ['$or that is not an array', { $or: { a: ['x'] } }, '$or', /at least two/],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }, '$or', /at least two/],
    ['$or with a non-object alternative', { $or: [{ a: ['x'] }, ['y']] }, '$or[1]', /pattern object/],
    ['an empty $or alternative', { $or: [{ a: ['x'] }, {}] }, '$or[1]', /empty objects/],
    [
      'a reserved word as a field inside $or',
      { $or: [{ numeric: [1] }, { b: ['y'] }] },
      '$or[0].numeric',
      /reserved word/,
    ],
    ['an empty anything-but list', { a: [{ 'anything-but': [] }] }, 'a[0].anything-but', /must not be empty/],
    // PutRule answers "Event pattern is not valid. Reason: Empty arrays are not allowed".
    ['an empty list of match values', { source: [] }, 'source', /empty arrays are not allowed/],
    ['an empty nested list', { detail: { status: [] } }, 'detail.status', /empty arrays are not allowed/],
    [
      'a mixed anything-but list',
      { a: [{ 'anything-but': ['x', 1] }] },
      'a[0].anything-but',
      /only strings or only numbers/,
    ],
    [
      'null inside an anything-but list',
      { a: [{ 'anything-but': ['x', null] }] },
      'a[0].anything-but[1]',
      /only strings or numbers/,
    ],
    [
      'a boolean anything-but',
      { a: [{ 'anything-but': true }] },
      'a[0].anything-but',
      /must be a string, a number/,
    ],
    [
      'an anything-but number beyond 5e9',
      { a: [{ 'anything-but': 1e10 }] },
      'a[0].anything-but',
      /-5e9 and 5e9/,
    ],
    [
      'an empty anything-but prefix',
      { a: [{ 'anything-but': { prefix: '' } }] },
      'a[0].anything-but.prefix',
      /empty prefix/,
    ],
    [
      'an unsupported anything-but operator',
      { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
      'a[0].anything-but.numeric',
      /unsupported anything-but operator/,
    ],
    [
      'an invalid anything-but wildcard in a list',
      { a: [{ 'anything-but': { wildcard: ['ok*', 'x**'] } }] },
      'a[0].anything-but.wildcard[1]',
      /consecutive/,
    ],
    [
      'a non-string anything-but equals-ignore-case',
      { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
      'a[0].anything-but.equals-ignore-case[0]',
      /must be a string/,
    ],
  ])('reports %s', (_label, pattern, path, message) => {
    // Arrange (the pattern above)

    // Act
    const issues = validatePattern(pattern);

    // Assert
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports every problem in one pass, each at its own path', () => {
    // Arrange
    const pattern = {
      source: 'acme.orders',
      detail: {
        status: [{ prefix: 1 }, { wildcard: 'a**' }],
        amount: [{ numeric: ['>', 'ten'] }],
        $or: [{ tier: ['gold'] }],
      },
    };

    // Act
    const paths = validatePattern(pattern).map((issue) => issue.path);

    // Assert
    expect(paths).toEqual([
      'source',
      'detail.status[0].prefix',
      'detail.status[1].wildcard',
      'detail.amount[0].numeric[1]',
      'detail.$or',
    ]);
  });

  it('never throws, whatever it is given', () => {
    // Arrange
    const oddities: unknown[] = [
      undefined,
      null,
      0,
      'x',
      Symbol('s'),
      () => 1,
      new Date(0),
      [[]],
      { a: [undefined] },
      { a: [Number.NaN] },
    ];

    // Act
    const results = oddities.map((oddity) => validatePattern(oddity));

    // Assert
    for (const issues of results) expect(issues.length).toBeGreaterThan(0);
  });
});

describe('type guards and compilePatternIndex on invalid patterns', () => {
  it('isValidPattern narrows a valid pattern and refuses an invalid one', () => {
    // Arrange
    const valid: unknown = { source: ['acme.orders'] };
    const invalid: unknown = { source: 'acme.orders' };

    // Act
    const answers = [isValidPattern(valid), isValidPattern(invalid)];

    // Assert
    expect(answers).toEqual([true, false]);
  });

  it('assertValidPattern throws an InvalidPatternError naming the path', () => {
    // Arrange
    const invalid: unknown = { detail: { status: [{ prefix: 5 }] } };

    // Act
    const attempt = () => assertValidPattern(invalid);

    // Assert
    expect(attempt).toThrow(InvalidPatternError);
    expect(attempt).toThrow(/detail\.status\[0\]\.prefix: prefix must be a string/);
  });

  it('compilePatternIndex throws an error naming the entry and the path', () => {
    // Arrange
    // The type allows any string as a wildcard; the index must refuse what the type cannot see.
    const bad: EventPattern = { source: [{ wildcard: 'a**b' }] };
    const entries = [
      { pattern: { source: ['acme.orders'] }, value: 'ok' },
      { pattern: bad, value: 'bad' },
    ];

    // Act
    const attempt = () => compilePatternIndex(entries);

    // Assert
    expect(attempt).toThrow(InvalidPatternError);
    expect(attempt).toThrow(
      /entry 1: source\[0\]\.wildcard: invalid wildcard: consecutive wildcard characters/,
    );
  });
});
