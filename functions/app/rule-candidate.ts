/**
 * A rule edited in the console, made into a candidate rule-set version: the active version's
 * content with the edited rule and its templates replaced. Validation is `nudge rules validate`'s
 * own (docs/rules.md, "Editing in the console"): every rule is given to the same parser as a file
 * `rules/<id>.yaml` and every template as `templates/<path>`, then cross-checked as the CLI does,
 * so the console shows the very messages the CLI prints for the same files. Pure.
 */
import { stringify } from 'yaml';
import { buildTemplateCatalog } from '../core/messages/template-catalog.ts';
import { checkRuleTemplates, templateIssueAsRuleIssue } from '../core/rules/check-rule-templates.ts';
import { parseRuleFiles, type RuleFile, type RuleIssue } from '../core/rules/parse-rule-files.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { RuleSetContent } from './ports/rule-sets.ts';

/** What the editor sends: one rule as YAML and the template files it changes. */
export interface RuleDraft {
  /** The id of the rule being edited; absent for a new rule. */
  ruleId?: string;
  /** The rule, as a rule file holds it. */
  yaml: string;
  /**
   * Template texts by path below `templates/` (`renewal-reminder/sv.sms.liquid`); an empty text
   * removes that file. Paths not given keep the active version's text.
   */
  templates: Record<string, string>;
}

/** A draft checked against the active content: the candidate, or every located issue. */
export type CheckedDraft =
  | { ok: true; content: RuleSetContent; rule: Rule; warnings: RuleIssue[] }
  | { ok: false; issues: RuleIssue[]; warnings: RuleIssue[] };

/** The folder names messages use, as for a project laid out like the repository. */
const RULES_DIR = 'rules';
const TEMPLATES_DIR = 'templates';
/** The file a new rule is checked as, until it has an id of its own. */
const NEW_RULE_FILE = `${RULES_DIR}/new-rule.yaml`;

/** The file an edited rule is checked as (`rules/<id>.yaml`; `rules/new-rule.yaml` for a new one). */
export function draftFile(ruleId: string | undefined): string {
  return ruleId === undefined ? NEW_RULE_FILE : `${RULES_DIR}/${ruleId}.yaml`;
}

/**
 * A stored rule (schema output, defaults applied) as YAML that parses back to the same rule. The
 * holdout is the one field the schema transforms (`10%` → 0.1): it is written back as a percent.
 */
export function ruleToYaml(rule: Rule): string {
  const { holdout, ...rest } = rule;
  const written = holdout === undefined ? rest : { ...rest, holdout: `${percentOf(holdout)}%` };
  return stringify(written, { lineWidth: 0 });
}

function percentOf(fraction: number): number {
  return Math.round(fraction * 100 * 1e6) / 1e6;
}

/**
 * The active content with `edit.rule` in place of the rule `edit.ruleId` (same position; appended
 * when new or not found, and a renamed rule replaces its old id) and the template files of
 * `edit.templates` written over the active ones (an empty text removes the file).
 */
export function candidateContent(
  active: RuleSetContent,
  edit: { ruleId?: string; rule: Rule; templates: Record<string, string> },
): RuleSetContent {
  const replaced = edit.ruleId ?? edit.rule.id;
  const rules: Rule[] = [];
  let placed = false;
  for (const rule of active.rules) {
    if (rule.id === replaced) {
      rules.push(edit.rule);
      placed = true;
    } else if (rule.id !== edit.rule.id) rules.push(rule);
  }
  if (!placed) rules.push(edit.rule);
  return { settings: active.settings, rules, templates: mergeTemplates(active.templates, edit.templates) };
}

/** `edits` written over `templates`; an empty text removes the file. */
function mergeTemplates(
  templates: Readonly<Record<string, string>>,
  edits: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged = { ...templates };
  for (const [path, text] of Object.entries(edits)) {
    if (text === '') delete merged[path];
    else merged[path] = text;
  }
  return merged;
}

/**
 * Checks a draft exactly as `nudge rules validate` checks a project folder: the other rules of the
 * active version (as `rules/<id>.yaml`) and the draft (as {@link draftFile}) through the rule
 * parser, the candidate's templates through the template catalog, then the cross-checks (every
 * channel has its template, every variable exists, keys are sound) with the active settings.
 */
export function checkDraft(active: RuleSetContent, draft: RuleDraft): CheckedDraft {
  const file = draftFile(draft.ruleId);
  const others: RuleFile[] = active.rules
    .filter((rule) => rule.id !== draft.ruleId)
    .map((rule) => ({ file: draftFile(rule.id), text: ruleToYaml(rule) }));
  const parsed = parseRuleFiles([...others, { file, text: draft.yaml }]);
  const mine = parsed.rules.filter((loaded) => loaded.file === file);
  const countIssue = draftCountIssue(file, mine.length, parsed.issues);
  const catalog = buildTemplateCatalog(mergeTemplates(active.templates, draft.templates), {
    root: TEMPLATES_DIR,
  });
  const cross = checkRuleTemplates(parsed.rules, catalog.catalog, active.settings, catalog.issues);
  const issues = [
    ...parsed.issues,
    ...(countIssue === undefined ? [] : [countIssue]),
    ...catalog.issues.map(templateIssueAsRuleIssue),
    ...cross.issues,
  ];
  const rule = mine[0]?.rule;
  if (issues.length > 0 || rule === undefined) return { ok: false, issues, warnings: cross.warnings };
  const content = candidateContent(active, {
    ...(draft.ruleId === undefined ? {} : { ruleId: draft.ruleId }),
    rule,
    templates: draft.templates,
  });
  return { ok: true, content, rule, warnings: cross.warnings };
}

/** The editor holds one rule: none or several documents is a located issue of its own. */
function draftCountIssue(file: string, rules: number, issues: readonly RuleIssue[]): RuleIssue | undefined {
  if (rules === 1 || issues.some((issue) => issue.file === file)) return undefined;
  const message =
    rules === 0
      ? 'no rule: write one rule (id, description, on, …)'
      : `${rules} rules: the editor holds one rule; remove the extra --- documents`;
  return { file, line: 1, field: '', message };
}
