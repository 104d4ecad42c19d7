/**
 * Amazon EventBridge event-pattern matching: validation, a reference matcher and a compiled index
 * whose per-event cost does not grow with the number of patterns.
 */
export type {
  EventPattern,
  MatchValue,
} from './event-pattern.ts';
export { InvalidPatternError } from './event-pattern.ts';
export { matchesPattern } from './match-pattern.ts';
export { parseJsonExact } from './parse-json-exact.ts';
export { compilePatternIndex, type PatternIndex } from './pattern-index.ts';
export { assertValidPattern, isValidPattern, validatePattern } from './validate-pattern.ts';
