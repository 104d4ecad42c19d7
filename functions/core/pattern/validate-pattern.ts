import {
  type EventPattern,
  InvalidPatternError,
  MATCH_OPERATORS,
  OR_KEY,
  type PatternIssue,
  RESERVED_NAMES_IN_OR,
} from './event-pattern.ts';
import {
  isArray,
  isComparableNumber,
  isJsonObject,
  isNumericRange,
  NUMERIC_MAX_DECIMALS,
  parseCidr,
  parseNumericRange,
  parseWildcard,
} from './value-ops.ts';

/**
 * Checks a candidate event pattern against the EventBridge syntax and returns every problem found,
 * each with the path of the offending part (`"detail.status[0].prefix"`; `""` for the whole
 * pattern). An empty result means the pattern is valid and may be typed as an `EventPattern`.
 *
 * The rules are those of the EventBridge user guide and, where it is silent, of aws/event-ruler's
 * `JsonRuleCompiler` (whose error messages EventBridge returns from PutRule).
 */
export function validatePattern(pattern: unknown): PatternIssue[] {
  const issues: PatternIssue[] = [];
  validateObject(pattern, '', false, issues);
  return issues;
}

/** Type guard over `validatePattern`: true when `pattern` is a valid event pattern. */
export function isValidPattern(pattern: unknown): pattern is EventPattern {
  return validatePattern(pattern).length === 0;
}

/** Narrows `pattern` to an `EventPattern`, or throws an `InvalidPatternError` listing every problem. */
export function assertValidPattern(pattern: unknown): asserts pattern is EventPattern {
  const issues = validatePattern(pattern);
  if (issues.length > 0) throw new InvalidPatternError(issues);
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function validateObject(node: unknown, path: string, insideOr: boolean, issues: PatternIssue[]): void {
  if (!isJsonObject(node)) {
    issues.push({ path, message: 'a pattern must be a JSON object of field names' });
    return;
  }
  const keys = Object.keys(node);
  if (keys.length === 0) {
    issues.push({ path, message: 'empty objects are not allowed' });
    return;
  }
  for (const key of keys) {
    const value = node[key];
    const keyPath = childPath(path, key);
    if (key === OR_KEY) {
      validateOr(value, keyPath, issues);
      continue;
    }
    if (insideOr && RESERVED_NAMES_IN_OR.has(key)) {
      issues.push({
        path: keyPath,
        message: `"${key}" is a reserved word and cannot be used as a field name inside $or`,
      });
      continue;
    }
    if (isArray(value)) {
      validateMatchList(value, keyPath, issues);
    } else if (isJsonObject(value)) {
      validateObject(value, keyPath, insideOr, issues);
    } else {
      issues.push({
        path: keyPath,
        message: 'must be an array of match values, as in ["value"], or a nested object',
      });
    }
  }
}

function validateOr(value: unknown, path: string, issues: PatternIssue[]): void {
  if (!isArray(value) || value.length < 2) {
    issues.push({ path, message: '$or must be an array of at least two pattern objects' });
    if (!isArray(value)) return;
  }
  value.forEach((alternative, index) => {
    const alternativePath = `${path}[${index}]`;
    if (!isJsonObject(alternative)) {
      issues.push({ path: alternativePath, message: 'each $or alternative must be a pattern object' });
      return;
    }
    validateObject(alternative, alternativePath, true, issues);
  });
}

function validateMatchList(list: ReadonlyArray<unknown>, path: string, issues: PatternIssue[]): void {
  if (list.length === 0) {
    // EventBridge's PutRule: "Event pattern is not valid. Reason: Empty arrays are not allowed".
    issues.push({ path, message: 'empty arrays are not allowed: list at least one match value' });
    return;
  }
  list.forEach((element, index) => {
    const elementPath = `${path}[${index}]`;
    if (
      element === null ||
      typeof element === 'string' ||
      typeof element === 'boolean' ||
      typeof element === 'bigint'
    ) {
      return;
    }
    if (typeof element === 'number') {
      if (!Number.isFinite(element)) issues.push({ path: elementPath, message: 'numbers must be finite' });
      return;
    }
    if (isArray(element)) {
      issues.push({
        path: elementPath,
        message:
          'nested arrays are not allowed: a match value is a string, number, boolean, null or match expression',
      });
      return;
    }
    if (isJsonObject(element)) {
      validateExpression(element, elementPath, issues);
      return;
    }
    issues.push({
      path: elementPath,
      message: 'a match value must be a string, number, boolean, null or match expression',
    });
  });
}

const OPERATOR_LIST = MATCH_OPERATORS.map((operator) => `"${operator}"`).join(', ');

function validateExpression(
  expression: { readonly [key: string]: unknown },
  path: string,
  issues: PatternIssue[],
) {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined || keys.length > 1) {
    issues.push({
      path,
      message: `a match expression has exactly one operator, found ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    });
    return;
  }
  const operand = expression[operator];
  const operandPath = `${path}.${operator}`;
  const report = (message: string, at: string = operandPath) => issues.push({ path: at, message });
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (typeof operand === 'string') return;
      if (isIgnoreCaseObject(operand) && typeof operand['equals-ignore-case'] === 'string') return;
      report(`${operator} must be a string or { "equals-ignore-case": "<string>" }`);
      return;
    case 'equals-ignore-case':
      if (typeof operand !== 'string') report('equals-ignore-case must be a string');
      return;
    case 'wildcard':
      validateWildcard(operand, operandPath, issues);
      return;
    case 'anything-but':
      validateAnythingBut(operand, operandPath, issues);
      return;
    case 'numeric':
      validateNumeric(operand, operandPath, issues);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') report('exists must be true or false');
      return;
    case 'cidr': {
      if (typeof operand !== 'string') {
        report('cidr must be a string such as "10.0.0.0/24"');
        return;
      }
      const parsed = parseCidr(operand);
      if (typeof parsed === 'string') report(parsed);
      return;
    }
    default:
      report(`unknown operator "${operator}"; expected one of ${OPERATOR_LIST}`);
  }
}

function isIgnoreCaseObject(value: unknown): value is { readonly 'equals-ignore-case': unknown } {
  return isJsonObject(value) && Object.keys(value).length === 1 && Object.hasOwn(value, 'equals-ignore-case');
}

function validateWildcard(operand: unknown, path: string, issues: PatternIssue[]): void {
  if (typeof operand !== 'string') {
    issues.push({ path, message: 'wildcard must be a string' });
    return;
  }
  const parsed = parseWildcard(operand);
  if (typeof parsed === 'string') issues.push({ path, message: `invalid wildcard: ${parsed}` });
}

function validateNumeric(operand: unknown, path: string, issues: PatternIssue[]): void {
  if (!isArray(operand)) {
    issues.push({ path, message: 'numeric must be an array such as [">", 0, "<=", 5]' });
    return;
  }
  const parsed = parseNumericRange(operand);
  if (isNumericRange(parsed)) return;
  issues.push({
    path: parsed.index === undefined ? path : `${path}[${parsed.index}]`,
    message: parsed.message,
  });
}

const COMPARABLE_MESSAGE = `numbers in anything-but are limited to values between -5e9 and 5e9 with at most ${NUMERIC_MAX_DECIMALS} decimal places`;

function validateAnythingBut(operand: unknown, path: string, issues: PatternIssue[]): void {
  if (typeof operand === 'string') return;
  if (typeof operand === 'number') {
    if (!isComparableNumber(operand)) issues.push({ path, message: COMPARABLE_MESSAGE });
    return;
  }
  if (isArray(operand)) {
    validateAnythingButList(operand, path, issues);
    return;
  }
  if (isJsonObject(operand) && Object.keys(operand).length === 1) {
    const [modifier] = Object.keys(operand);
    const value = modifier === undefined ? undefined : operand[modifier];
    const modifierPath = `${path}.${modifier}`;
    switch (modifier) {
      case 'prefix':
      case 'suffix':
        // event-ruler: "Null prefix/suffix not allowed" (an empty one would exclude every string).
        validateStringOrList(value, modifierPath, issues, (text) =>
          text === '' ? `an empty ${modifier} is not allowed in anything-but` : undefined,
        );
        return;
      case 'wildcard':
        validateStringOrList(value, modifierPath, issues, (text) => {
          const parsed = parseWildcard(text);
          return typeof parsed === 'string' ? `invalid wildcard: ${parsed}` : undefined;
        });
        return;
      case 'equals-ignore-case':
        validateStringOrList(value, modifierPath, issues, () => undefined);
        return;
      default:
        issues.push({
          path: modifierPath,
          message: `unsupported anything-but operator "${modifier}"; expected "prefix", "suffix", "wildcard" or "equals-ignore-case"`,
        });
        return;
    }
  }
  issues.push({
    path,
    message:
      'anything-but must be a string, a number, a list of strings or of numbers, or an object with one of "prefix", "suffix", "wildcard", "equals-ignore-case"',
  });
}

function validateAnythingButList(list: ReadonlyArray<unknown>, path: string, issues: PatternIssue[]): void {
  if (list.length === 0) {
    issues.push({ path, message: 'an anything-but list must not be empty' });
    return;
  }
  let strings = 0;
  let numbers = 0;
  list.forEach((element, index) => {
    if (typeof element === 'string') {
      strings++;
    } else if (typeof element === 'number') {
      numbers++;
      if (!isComparableNumber(element))
        issues.push({ path: `${path}[${index}]`, message: COMPARABLE_MESSAGE });
    } else {
      issues.push({
        path: `${path}[${index}]`,
        message:
          'inside an anything-but list only strings or numbers are allowed (not objects, null or booleans)',
      });
    }
  });
  if (strings > 0 && numbers > 0) {
    issues.push({
      path,
      message: 'an anything-but list must contain only strings or only numbers, not both',
    });
  }
}

function validateStringOrList(
  value: unknown,
  path: string,
  issues: PatternIssue[],
  checkText: (text: string) => string | undefined,
): void {
  const check = (text: unknown, at: string) => {
    if (typeof text !== 'string') {
      issues.push({ path: at, message: 'must be a string' });
      return;
    }
    const problem = checkText(text);
    if (problem !== undefined) issues.push({ path: at, message: problem });
  };
  if (isArray(value)) {
    if (value.length === 0) issues.push({ path, message: 'the list must not be empty' });
    value.forEach((text, index) => {
      check(text, `${path}[${index}]`);
    });
    return;
  }
  check(value, path);
}
