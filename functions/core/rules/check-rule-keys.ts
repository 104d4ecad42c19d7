/**
 * A rule's keys checked before it runs: the dedupe key is Liquid and is parsed with LiquidJS
 * like a template; the correlation and date paths (`cancel.key`, `expect.key`, `send.at.field`,
 * …) are checked against the rule's example events. A key with a mistake does not fail at send
 * time; it quietly becomes a constant, and a constant dedupe key suppresses *other customers'*
 * messages as duplicates.
 */
import { LiquidError, Output, TokenKind } from 'liquidjs';
import { textEngine } from '../messages/liquid-engines.ts';
import { liquidMessage } from '../messages/template-catalog.ts';
import { checkPath, checkSection, type TemplateScope, templateScope } from '../messages/template-scope.ts';
import type { LoadedRule, LocatedField, RuleIssue, SourcePosition } from './parse-rule-files.ts';

/** What {@link checkRuleKeys} found: errors, and paths that could not be checked (no examples). */
export interface KeyFindings {
  issues: RuleIssue[];
  unchecked: string[];
}

/** The event paths of a key, as the engine reads them (functions/core/paths.ts): `{{ detail.orderId }}`. */
const RUNTIME_PATH = /^[\w$.-]+$/;

/** The dedupe key and every event path of a rule. */
export function checkRuleKeys(loaded: LoadedRule): KeyFindings {
  const scope = eventScope(loaded);
  const findings: KeyFindings = { issues: [], unchecked: [] };
  const key = loaded.rule.dedupe?.key;
  if (key !== undefined) mergeInto(findings, checkDedupeKey(loaded, key, scope));
  const { rule } = loaded;
  const paths: [LocatedField, string | undefined][] = [
    ['send.at.field', typeof rule.send === 'object' && 'at' in rule.send ? rule.send.at.field : undefined],
    ['cancel.key', rule.cancel?.key],
    ['expect.key', rule.expect?.key],
    [
      'expect.by.field',
      rule.expect !== undefined && 'field' in rule.expect.by ? rule.expect.by.field : undefined,
    ],
    ['threshold.key', rule.threshold?.key],
  ];
  for (const [field, path] of paths) {
    if (path === undefined) continue;
    const verdict = checkPath(path.split('.'), scope);
    if (verdict?.kind === 'unchecked') findings.unchecked.push(path);
    else if (verdict !== undefined) findings.issues.push(issueAt(loaded, field, verdict.message));
  }
  return findings;
}

/** A key reads the triggering event itself: its envelope fields and `detail`. */
function eventScope(loaded: LoadedRule): TemplateScope {
  const detail = templateScope(loaded.rule).roots.detail ?? { kind: 'unknown' };
  const value = { kind: 'value' } as const;
  const envelope = ['id', 'source', 'detail-type', 'time', 'account', 'region'];
  return {
    ruleId: loaded.rule.id,
    roots: { detail, ...Object.fromEntries(envelope.map((name) => [name, value])) },
  };
}

function checkDedupeKey(loaded: LoadedRule, key: string, scope: TemplateScope): KeyFindings {
  const start = loaded.positions['dedupe.key'] ?? { line: loaded.line, column: 1 };
  let template: ReturnType<typeof textEngine.parse>;
  try {
    template = textEngine.parse(key);
  } catch (error) {
    if (!(error instanceof LiquidError)) throw error;
    const [row = 1, col = 1] = error.token?.getPosition() ?? [];
    const at = { line: start.line + row - 1, column: row === 1 ? start.column + col - 1 : col };
    return { issues: [keyIssue(loaded, at, liquidMessage(error))], unchecked: [] };
  }
  const shape = keyShapeProblem(template);
  if (shape !== undefined) return { issues: [keyIssue(loaded, start, shape)], unchecked: [] };
  const findings: KeyFindings = { issues: [], unchecked: [] };
  for (const finding of checkSection({ template, line: start.line, column: start.column }, scope)) {
    if (finding.kind === 'unchecked') findings.unchecked.push(finding.path);
    else findings.issues.push(keyIssue(loaded, finding, finding.message));
  }
  return findings;
}

/**
 * What the engine cannot use in a key: tags, filters, anything but a plain event path in `{{ }}`,
 * and a key with no variable at all (it would be the same for every customer, so the first
 * message would suppress everyone else's as a duplicate).
 */
function keyShapeProblem(template: ReturnType<typeof textEngine.parse>): string | undefined {
  const outputs = template.filter((part) => part instanceof Output);
  if (outputs.length < template.filter((part) => part.token.kind !== TokenKind.HTML).length) {
    return 'only {{ event paths }} and text are allowed, no tags such as {% if %}';
  }
  for (const output of outputs) {
    const content = output.token
      .getText()
      .replace(/^\{\{-?|-?\}\}$/g, '')
      .trim();
    if (!RUNTIME_PATH.test(content)) {
      return `'${output.token.getText()}' is not a plain event path; write {{ detail.orderId }} (no filters)`;
    }
  }
  if (outputs.length === 0) {
    return 'a key without a variable is the same for every customer, so the first message would suppress everyone else\'s; use the event\'s value, such as "{{ detail.orderId }}"';
  }
  return undefined;
}

function keyIssue(loaded: LoadedRule, at: SourcePosition, message: string): RuleIssue {
  return { file: loaded.file, line: at.line, column: at.column, field: 'dedupe.key', message };
}

function issueAt(loaded: LoadedRule, field: LocatedField, message: string): RuleIssue {
  const at = loaded.positions[field] ?? { line: loaded.line, column: 1 };
  return { file: loaded.file, line: at.line, column: at.column, field, message };
}

function mergeInto(target: KeyFindings, more: KeyFindings): void {
  target.issues.push(...more.issues);
  target.unchecked.push(...more.unchecked);
}
