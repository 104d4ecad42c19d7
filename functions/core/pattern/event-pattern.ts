/**
 * Types for Amazon EventBridge event patterns, as documented in the EventBridge user guide
 * ("Creating event patterns", "Comparison operators for use in event patterns") and implemented by
 * aws/event-ruler, the library EventBridge matches with.
 *
 * These types describe the *shape* of a pattern. They are deliberately loose where JSON is loose
 * (an `$or` array and a list of match values are both arrays): `validatePattern` is the authority
 * on what is valid, and everything downstream only accepts patterns that passed it.
 */

/** A JSON scalar matched by equality: `"aws.ec2"`, `80`, `true`, `null`. */
type ExactValue = string | number | bigint | boolean | null;

/** `{ "equals-ignore-case": "..." }`, the case-insensitive form that `prefix` and `suffix` accept. */
interface IgnoreCaseOperand {
  readonly 'equals-ignore-case': string;
}

/** The operand of `anything-but`. */
export type AnythingButOperand =
  | string
  | number
  | ReadonlyArray<string>
  | ReadonlyArray<number>
  | { readonly prefix: string | ReadonlyArray<string> }
  | { readonly suffix: string | ReadonlyArray<string> }
  | { readonly wildcard: string | ReadonlyArray<string> }
  | { readonly 'equals-ignore-case': string | ReadonlyArray<string> };

/** One element of a field's list of match values. */
export type MatchValue =
  | ExactValue
  | { readonly prefix: string | IgnoreCaseOperand }
  | { readonly suffix: string | IgnoreCaseOperand }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingButOperand }
  | { readonly numeric: ReadonlyArray<string | number> }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/**
 * An event pattern: field names mapped to a list of match values ("any of"), to a nested pattern
 * for a nested object, or (under the key `$or`) to two or more alternative patterns.
 */
export interface EventPattern {
  readonly [field: string]: ReadonlyArray<MatchValue> | ReadonlyArray<EventPattern> | EventPattern;
}

/** A located problem in a pattern: `path` like `"detail.status[0].prefix"`; `""` is the pattern itself. */
export interface PatternIssue {
  path: string;
  message: string;
}

/** The operator names a match expression may use, as `{ "<operator>": ... }`. */
export const MATCH_OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;

/**
 * Field names event-ruler refuses inside an `$or` branch (its `RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP`):
 * the operators, the numeric comparison signs and the words it keeps for future operators.
 */
export const RESERVED_NAMES_IN_OR: ReadonlySet<string> = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** The key that introduces alternatives. */
export const OR_KEY = '$or';

/**
 * Thrown for an invalid pattern (by `compilePatternIndex`, naming the entry, and by
 * `assertValidPattern`); `issues` says where and why.
 */
export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
  constructor(
    readonly issues: ReadonlyArray<PatternIssue>,
    readonly entryIndex?: number,
  ) {
    const where =
      entryIndex === undefined ? 'Invalid event pattern' : `Invalid event pattern in entry ${entryIndex}`;
    const problems = issues
      .map((issue) => `${issue.path === '' ? '(pattern)' : issue.path}: ${issue.message}`)
      .join('; ');
    super(`${where}: ${problems}`);
  }
}
