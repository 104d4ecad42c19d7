/**
 * What a template may read, as a closed set, and a static check of every variable a parsed
 * template uses against it. The variables come from LiquidJS's own static analysis of the parsed
 * template (`analyzeSync`), with their row and column, so nothing is guessed with regular expressions.
 *
 * The scope mirrors what the send step renders with (functions/app/render-factory.ts): `event`,
 * `detail`, `customer`, `rule`, `vars`, `message` and, for threshold alerts only, `alert`; for
 * rules expecting a score, `survey`.
 */
import type { Variable } from 'liquidjs';
import { closestName } from './did-you-mean.ts';
import { textEngine } from './liquid-engines.ts';
import type { MessageTemplate, ParsedSection } from './template-catalog.ts';

/** The shape of a value in the scope; `unknown` is data that cannot be checked (an event without examples). */
type ScopeField =
  | { kind: 'value' }
  | { kind: 'unknown' }
  | { kind: 'list'; item: ScopeField }
  | { kind: 'object'; fields: Readonly<Record<string, ScopeField>> };

const VALUE: ScopeField = { kind: 'value' };
const objectOf = (names: ReadonlyArray<string>): ScopeField => ({
  kind: 'object',
  fields: Object.fromEntries(names.map((name) => [name, VALUE])),
});

/** The customer fields a template can read (never the consent history). */
const CUSTOMER_FIELDS = ['id', 'firstName', 'name', 'locale', 'timeZone'] as const;

const ALERT: ScopeField = {
  kind: 'object',
  fields: {
    ...objectFields(['count', 'threshold', 'key', 'value', 'within', 'firstAt', 'lastAt']),
    samples: { kind: 'list', item: objectOf(['eventId', 'customerId']) },
  },
};

/** A survey's one-click score links (rules with `replies: { expect: score }`; see core/replies/score-links.ts). */
const SURVEY: ScopeField = {
  kind: 'object',
  fields: { scoreLinks: { kind: 'list', item: objectOf(['score', 'url']) } },
};

function objectFields(names: ReadonlyArray<string>): Record<string, ScopeField> {
  return Object.fromEntries(names.map((name) => [name, VALUE]));
}

/** The scope of one rule's templates. */
export interface TemplateScope {
  roots: Readonly<Record<string, ScopeField>>;
  /** The rule's id, named in messages about `vars`. */
  ruleId: string;
}

/**
 * The scope a rule's template renders with: `vars` holds exactly the rule's vars, `detail` the
 * fields of the rule's example events (`unknown` without examples), `alert` only for threshold rules.
 */
export function templateScope(rule: {
  id: string;
  vars?: Readonly<Record<string, unknown>> | undefined;
  examples?: ReadonlyArray<{ detail: unknown }> | undefined;
  threshold?: unknown;
  replies?: { expect: string } | undefined;
}): TemplateScope {
  const examples = rule.examples ?? [];
  return {
    ruleId: rule.id,
    roots: {
      event: objectOf(['id', 'source', 'detail-type', 'time']),
      detail:
        examples.length === 0 ? { kind: 'unknown' } : shapeOf(examples.map((example) => example.detail)),
      customer: objectOf(CUSTOMER_FIELDS),
      rule: objectOf(['id']),
      vars: objectOf(Object.keys(rule.vars ?? {})),
      message: objectOf(['id', 'sendAt']),
      ...(rule.threshold === undefined ? {} : { alert: ALERT }),
      ...(rule.replies?.expect === 'score' ? { survey: SURVEY } : {}),
    },
  };
}

/** The union of the shapes of some JSON values: a field is there when any example has it. */
function shapeOf(values: ReadonlyArray<unknown>): ScopeField {
  const present = values.filter((value) => value !== undefined && value !== null);
  if (present.length === 0) return VALUE;
  if (present.every(Array.isArray)) return { kind: 'list', item: shapeOf(present.flat()) };
  if (present.every(isRecord)) {
    const names = [...new Set(present.flatMap((value) => Object.keys(value)))];
    return {
      kind: 'object',
      fields: Object.fromEntries(names.map((name) => [name, shapeOf(present.map((value) => value[name]))])),
    };
  }
  return present.some((value) => Array.isArray(value) || isRecord(value)) ? { kind: 'unknown' } : VALUE;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A variable a template uses that the scope does not have, or that cannot be checked. */
export interface VariableFinding {
  kind: 'unknown-variable' | 'unchecked';
  /** The variable as written, e.g. `customer.first_name`. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/** Every variable of every section of a template, checked against the scope, in file order. */
export function checkTemplateVariables(template: MessageTemplate, scope: TemplateScope): VariableFinding[] {
  const sections =
    template.channel === 'sms'
      ? [template.body]
      : [template.subject, template.text, ...(template.html === undefined ? [] : [template.html])];
  return sections.flatMap((section) => checkSection(section, scope));
}

/**
 * Every variable a parsed section reads from outside itself (not loop or `assign` locals), checked
 * against the scope; positions are file positions (the section's start plus LiquidJS's row and column).
 */
export function checkSection(
  section: Pick<ParsedSection, 'template' | 'line' | 'column'>,
  scope: TemplateScope,
): VariableFinding[] {
  const { globals } = textEngine.analyzeSync(section.template, { partials: false });
  const findings: VariableFinding[] = [];
  for (const variable of Object.values(globals).flat()) {
    const verdict = checkPath(variable.segments, scope);
    if (verdict === undefined) continue;
    const { row, col } = variable.location;
    findings.push({
      ...verdict,
      path: pathText(variable.segments),
      line: section.line + row - 1,
      column: row === 1 ? (section.column ?? 1) + col - 1 : col,
    });
  }
  return findings;
}

type Segment = string | number | Variable;
type Verdict = Pick<VariableFinding, 'kind' | 'message'> | undefined;

/** Liquid's own names on any value: `{{ list.size }}`, `{{ list.first }}`. */
const BUILT_INS = ['size', 'first', 'last'];

/** One variable path (its segments, as LiquidJS gives them) against the scope; `undefined` when fine. */
export function checkPath(segments: ReadonlyArray<Segment>, scope: TemplateScope): Verdict {
  const [root, ...rest] = segments;
  if (typeof root !== 'string') return undefined;
  const start = scope.roots[root];
  if (start === undefined) return unknownRoot(root, rest, scope);
  let field = start;
  for (const [index, segment] of rest.entries()) {
    if (typeof segment === 'object') return undefined; // a computed key (detail[x]): only x is checked
    if (field.kind === 'unknown') return unchecked(root, segments);
    if (typeof segment === 'string' && BUILT_INS.includes(segment)) {
      field = field.kind === 'list' && segment !== 'size' ? field.item : { kind: 'unknown' };
      continue;
    }
    const next = step(field, segment);
    if (next === undefined) return unknownField(segments.slice(0, index + 1), segment, field, scope);
    field = next;
  }
  return undefined;
}

function step(field: ScopeField, segment: string | number): ScopeField | undefined {
  if (field.kind === 'list') return typeof segment === 'number' ? field.item : undefined;
  if (field.kind === 'object' && typeof segment === 'string') return field.fields[segment];
  return undefined;
}

function unchecked(root: string, segments: ReadonlyArray<Segment>): Verdict {
  return {
    kind: 'unchecked',
    message: `'${pathText(segments)}' cannot be checked: add examples (events with their ${root}) to the rule`,
  };
}

function unknownRoot(root: string, rest: ReadonlyArray<Segment>, scope: TemplateScope): Verdict {
  const roots = Object.keys(scope.roots);
  const written = pathText([root, ...rest]);
  const guess = closestName(root, roots);
  const known = `templates can read ${roots.join(', ')}`;
  if (guess === undefined) {
    const alert = root === 'alert' ? 'alert is only for threshold rules; ' : '';
    return { kind: 'unknown-variable', message: `unknown variable '${written}': ${alert}${known}` };
  }
  const [second] = rest;
  const guessField = scope.roots[guess];
  const fieldGuess =
    typeof second === 'string' && guessField?.kind === 'object'
      ? closestName(second, Object.keys(guessField.fields))
      : undefined;
  const suggestion = fieldGuess === undefined ? guess : `${guess}.${fieldGuess}`;
  return {
    kind: 'unknown-variable',
    message: `unknown variable '${written}' (${known}); did you mean '${suggestion}'?`,
  };
}

function unknownField(
  parent: ReadonlyArray<Segment>,
  segment: string | number,
  field: ScopeField,
  scope: TemplateScope,
): Verdict {
  const parentText = pathText(parent);
  const written = pathText([...parent, segment]);
  if (field.kind !== 'object') {
    return {
      kind: 'unknown-variable',
      message: `unknown variable '${written}': ${parentText} has no fields`,
    };
  }
  const names = Object.keys(field.fields);
  if (parentText === 'vars' && names.length === 0) {
    return {
      kind: 'unknown-variable',
      message: `unknown variable '${written}': rule ${scope.ruleId} has no vars; add vars: { ${segment}: … } to the rule`,
    };
  }
  const guess = closestName(String(segment), names);
  const where = parent[0] === 'detail' ? ` in the rule's examples` : '';
  const hint =
    guess === undefined
      ? `${parentText} has ${names.join(', ') || 'no fields'}${where}`
      : `did you mean '${parentText}.${guess}'?`;
  return {
    kind: 'unknown-variable',
    message: `unknown variable '${written}'${guess === undefined ? ':' : ';'} ${hint}`,
  };
}

function pathText(segments: ReadonlyArray<Segment>): string {
  return segments.reduce<string>((text, segment, index) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (typeof segment === 'object') return `${text}[${String(segment)}]`;
    return index === 0 ? segment : `${text}.${segment}`;
  }, '');
}
