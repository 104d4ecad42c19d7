import { existsSync, readFileSync } from 'node:fs';
import { loadRules, loadSettings } from '../../functions/adapters/files/load-rules.ts';
import { loadTemplateCatalog } from '../../functions/app/templates/load-template-catalog.ts';
import type { EngineSettings } from '../../functions/core/config/engine-settings.ts';
import type { TemplateCatalog } from '../../functions/core/messages/index.ts';
import {
  checkRuleTemplates,
  templateIssueAsRuleIssue,
} from '../../functions/core/rules/check-rule-templates.ts';
import {
  formatRuleIssue,
  type LoadedRule,
  type RuleIssue,
} from '../../functions/core/rules/parse-rule-files.ts';
import type { SimulationInput } from '../../functions/simulator/run-simulation.ts';

/** Rules, templates and settings as one validated project, with every issue located. */
export interface Project {
  rules: LoadedRule[];
  catalog: TemplateCatalog;
  settings: EngineSettings;
  issues: RuleIssue[];
}

/** Loads rules, templates and settings and cross-checks them (every rule's template exists). */
export function loadProject(options: {
  rules: string;
  templates: string;
  config?: string | undefined;
}): Project {
  const settings = loadSettings(options.config);
  const rules = loadRules(options.rules);
  const templates = loadTemplateCatalog(options.templates);
  const templateIssues: RuleIssue[] = templates.issues.map(templateIssueAsRuleIssue);
  const crossIssues = checkRuleTemplates(rules.rules, templates.catalog, settings.settings);
  return {
    rules: rules.rules,
    catalog: templates.catalog,
    settings: settings.settings,
    issues: [...settings.issues, ...rules.issues, ...templateIssues, ...crossIssues],
  };
}

/** Prints issues to stderr, compiler style. */
export function printIssues(issues: ReadonlyArray<RuleIssue>): void {
  for (const issue of issues) process.stderr.write(`${formatRuleIssue(issue)}\n`);
}

/** Reads a JSON Lines file (or a JSON array file) into numbered inputs; bad lines are kept as errors. */
export function readJsonLines(path: string): SimulationInput[] {
  if (!existsSync(path)) throw new Error(`file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map((value: unknown, index) => ({ line: index + 1, value }));
  }
  const inputs: SimulationInput[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) return;
    try {
      inputs.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      inputs.push({
        line: index + 1,
        error: `not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
  return inputs;
}
