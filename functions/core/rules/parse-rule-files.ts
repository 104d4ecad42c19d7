import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type * as z from 'zod';
import { validatePattern } from '../pattern/index.ts';
import { type Rule, RuleSchema } from './rule-schema.ts';

/** A rule file as read from disk: its path (as shown to the user) and its text. */
export interface RuleFile {
  file: string;
  text: string;
}

/** A problem in a rule file, located for the person who wrote it. */
export interface RuleIssue {
  file: string;
  line: number;
  /** 1-based column, when known (template links); printed as `file:line:column`. */
  column?: number;
  /** Dotted field path such as `send.at.offset`; empty for the whole document. */
  field: string;
  message: string;
}

/** A place in a rule file: 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Where a rule's fields are written, for issues found after parsing (a missing template is
 * reported at `template:`, a malformed dedupe key at the character inside the key). Keys are
 * dotted paths; `dedupe.key` is the position of the key text's first character (inside quotes).
 */
type RulePositions = Readonly<Partial<Record<LocatedField, SourcePosition>>>;

const LOCATED_FIELDS = [
  'id',
  'template',
  'send',
  'dedupe.key',
  'send.at.field',
  'cancel.key',
  'expect.key',
  'expect.by.field',
  'threshold.key',
  'goal.on',
  'avoid.on',
] as const;
export type LocatedField = (typeof LOCATED_FIELDS)[number];

/** A valid rule and where it came from. */
export interface LoadedRule {
  rule: Rule;
  file: string;
  line: number;
  positions: RulePositions;
}

/** Formats an issue the way compilers do, so editors and terminals can jump to it. */
export function formatRuleIssue(issue: RuleIssue): string {
  const where = issue.field === '' ? '' : ` ${issue.field}:`;
  const column = issue.column === undefined ? '' : `:${issue.column}`;
  return `${issue.file}:${issue.line}${column}${where} ${issue.message}`;
}

type PathKey = string | number;

/**
 * Parses and validates rule files (YAML; several rules per file separated by `---`).
 * Every problem is reported with file, line and field; valid rules are returned even when
 * others are broken, so the caller decides whether a partial set may run.
 */
export function parseRuleFiles(files: ReadonlyArray<RuleFile>): { rules: LoadedRule[]; issues: RuleIssue[] } {
  const rules: LoadedRule[] = [];
  const issues: RuleIssue[] = [];
  const firstSeen = new Map<string, LoadedRule>();
  for (const { file, text } of files) {
    for (const parsed of parseRuleFile(file, text)) {
      if (!parsed.ok) {
        issues.push(...parsed.issues);
        continue;
      }
      const loaded = parsed.loaded;
      const earlier = firstSeen.get(loaded.rule.id);
      if (earlier !== undefined) {
        issues.push({
          file,
          line: loaded.positions.id?.line ?? loaded.line,
          field: 'id',
          message: `duplicate rule id '${loaded.rule.id}' (first defined at ${earlier.file}:${earlier.line})`,
        });
        continue;
      }
      firstSeen.set(loaded.rule.id, loaded);
      rules.push(loaded);
    }
  }
  return { rules, issues };
}

type Parsed = { ok: true; loaded: LoadedRule } | { ok: false; issues: RuleIssue[] };

/** Every document of one file, each a rule or its issues; empty documents are left out. */
function parseRuleFile(file: string, text: string): Parsed[] {
  const deep = firstTooDeepLine(text);
  if (deep !== undefined) {
    const message = `YAML: nested deeper than ${MAX_NESTING} levels`;
    return [{ ok: false, issues: [{ file, line: deep, field: '', message }] }];
  }
  const lineCounter = new LineCounter();
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  } catch (error) {
    // The YAML parser recurses; whatever it cannot survive is this file's problem, not the run's.
    const message = `YAML: could not be read (${firstLine(String(error))})`;
    return [{ ok: false, issues: [{ file, line: 1, field: '', message }] }];
  }
  const docs = Array.isArray(documents) ? documents : [];
  return docs.flatMap((doc) => parseRuleDocument(file, doc, lineCounter));
}

function parseRuleDocument(file: string, doc: Document, lineCounter: LineCounter): Parsed[] {
  const positionOf = (offset: number | undefined): SourcePosition =>
    offset === undefined
      ? { line: 1, column: 1 }
      : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col };
  const lineOf = (offset: number | undefined): number => positionOf(offset).line;
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => ({
      file,
      line: lineOf(error.pos[0]),
      field: '',
      message: `YAML: ${firstLine(error.message)}`,
    }));
    return [{ ok: false, issues }];
  }
  if (doc.contents === null) return []; // an empty document (e.g. a trailing ---) is not a rule
  const locate = (path: ReadonlyArray<PathKey>): number => lineOf(nodeOffset(doc.contents, path));
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // e.g. an alias bomb: the yaml package refuses excessive alias expansion by throwing.
    const message = `YAML: ${firstLine(error instanceof Error ? error.message : String(error))}`;
    return [{ ok: false, issues: [{ file, line: lineOf(doc.range?.[0]), field: '', message }] }];
  }
  const parsed = RuleSchema.safeParse(value);
  const problems = parsed.success
    ? rulePatternProblems(parsed.data)
    : explainZodIssues(parsed.error.issues, []);
  if (!parsed.success || problems.length > 0) {
    const issues = problems.map((problem) => ({
      file,
      line: locate(problem.path),
      field: formatPath(problem.path),
      message: problem.message,
    }));
    return [{ ok: false, issues }];
  }
  const positions = rulePositions(doc.contents, positionOf);
  return [{ ok: true, loaded: { rule: parsed.data, file, line: locate([]), positions } }];
}

function rulePatternProblems(rule: Rule): Problem[] {
  return [
    ...patternProblems(rule.on, ['on']),
    ...(rule.cancel?.on ?? []).flatMap((pattern, index) => patternProblems(pattern, ['cancel', 'on', index])),
    ...(rule.expect?.on ?? []).flatMap((pattern, index) => patternProblems(pattern, ['expect', 'on', index])),
    ...goalPatternProblems(rule, 'goal'),
    ...goalPatternProblems(rule, 'avoid'),
  ];
}

/** A goal's pattern (one, or a list) checked like the others, located inside it. */
function goalPatternProblems(rule: Rule, field: 'goal' | 'avoid'): Problem[] {
  const on = rule[field]?.on;
  if (on === undefined) return [];
  if (!Array.isArray(on)) return patternProblems(on, [field, 'on']);
  return on.flatMap((pattern, index) => patternProblems(pattern, [field, 'on', index]));
}

/** The positions of the fields later checks report at (see {@link RulePositions}). */
function rulePositions(
  root: unknown,
  positionOf: (offset: number | undefined) => SourcePosition,
): RulePositions {
  const positions: Partial<Record<LocatedField, SourcePosition>> = {};
  for (const field of LOCATED_FIELDS) {
    const path = field.split('.');
    if (valueNode(root, path) === undefined) continue;
    const offset = field === 'dedupe.key' ? keyTextOffset(root, path) : nodeOffset(root, path);
    if (offset !== undefined) positions[field] = positionOf(offset);
  }
  return positions;
}

/** The offset of a string value's first character, past its opening quote. */
function keyTextOffset(root: unknown, path: ReadonlyArray<PathKey>): number | undefined {
  const node = valueNode(root, path);
  if (!isScalar(node)) return undefined;
  const start = rangeStart(node);
  if (start === undefined) return undefined;
  return node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? start + 1 : start;
}

function valueNode(root: unknown, path: ReadonlyArray<PathKey>): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    node = pair?.value;
  }
  return node;
}

interface Problem {
  path: PathKey[];
  message: string;
}

function patternProblems(pattern: unknown, base: PathKey[]): Problem[] {
  return validatePattern(pattern).map((issue) => ({
    path: [...base, ...parseDottedPath(issue.path)],
    message: issue.message,
  }));
}

/** Turns `detail.status[0].prefix` into `['detail', 'status', 0, 'prefix']`. */
function parseDottedPath(path: string): PathKey[] {
  const keys: PathKey[] = [];
  for (const part of path.split('.')) {
    if (part === '') continue;
    const match = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (match === null) {
      keys.push(part);
      continue;
    }
    if (match[1] !== undefined && match[1] !== '') keys.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

/**
 * Zod reports a failed union as one issue holding each branch's issues. Operations staff need
 * the branch they meant: take the one that got furthest (deepest path), then the fewest issues.
 */
function explainZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>, base: PathKey[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path.filter((key): key is PathKey => typeof key !== 'symbol')];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => explainZodIssues(branch, path));
      const depth = (branch: Problem[]) => Math.max(...branch.map((problem) => problem.path.length));
      const best = branches.reduce((a, b) =>
        depth(b) > depth(a) || (depth(b) === depth(a) && b.length < a.length) ? b : a,
      );
      if (depth(best) > path.length) {
        problems.push(...best);
        continue;
      }
      problems.push({ path, message: describeUnion(path) });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ path: [...path, key], message: `unknown field '${key}'` });
      continue;
    }
    problems.push({ path, message: humanMessage(issue) });
  }
  return problems;
}

function describeUnion(path: PathKey[]): string {
  const field = formatPath(path);
  if (field === 'send') return "expected 'immediately', { after: PT1H } or { at: { field, offset, time } }";
  if (field === 'window') return "expected 'always' or { days, hours, outside }";
  if (field === 'expect.by') return 'expected { after: PT2H } or { field: detail.promisedAt, offset: PT2H }';
  return 'none of the allowed forms fits';
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return 'required';
  return issue.message;
}

function formatPath(path: ReadonlyArray<PathKey>): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`),
    '',
  );
}

/** The source offset of the deepest node on `path` (the key, for map entries), for line numbers. */
function nodeOffset(root: unknown, path: ReadonlyArray<PathKey>): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(root);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair === undefined) return offset;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      continue;
    }
    if (node !== null && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
      if (typeof key !== 'number') return offset;
      const item: unknown = node.items[key];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
      continue;
    }
    return offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range: Node['range'] | unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** Far deeper than any rule, shallow enough for the YAML parser's recursion. */
const MAX_NESTING = 64;

/**
 * The first line where the text nests deeper than {@link MAX_NESTING} levels: open flow brackets
 * (`{`, `[`), or block indentation past `MAX_NESTING` two-space steps. A cheap scan that never
 * recurses, run before the parser, which would otherwise exhaust the stack on such a file.
 */
function firstTooDeepLine(text: string): number | undefined {
  let open = 0;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.length - line.trimStart().length > MAX_NESTING * 2) return index + 1;
    for (const char of line) {
      if (char === '{' || char === '[') open++;
      else if ((char === '}' || char === ']') && open > 0) open--;
      if (open > MAX_NESTING) return index + 1;
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
