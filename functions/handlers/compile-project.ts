/**
 * The build-time side of the deployed project: reads a project folder (rules/, templates/,
 * nudge.config.yaml), validates it exactly as `nudge rules validate` does, and produces the
 * {@link DeployedProject} the functions read at cold start. Synthesis (infra/) and the
 * benchmarks call it; the Lambda bundles never import it, so the YAML parser and the rule schema
 * stay out of them.
 */
import { join } from 'node:path';
import { loadProjectFolder } from '../adapters/files/load-project.ts';
import { readTemplateFiles } from '../app/templates/load-template-catalog.ts';
import { formatRuleIssue } from '../core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import { DEPLOYED_PROJECT_FORMAT, type DeployedProject } from './deployed-project.ts';

/**
 * Loads the rules, templates and settings in a project folder, checks them exactly as
 * `nudge rules validate` does (the same {@link loadProjectFolder}) and compiles the rules.
 * Invalid input throws one error with every located message (`file:line field: message`).
 */
export function loadDeployedProject(projectDir = process.cwd()) {
  const project = loadProjectFolder(projectDir);
  if (project.issues.length > 0)
    throw new Error(`Nudge rules are invalid:\n${project.issues.map(formatRuleIssue).join('\n')}`);
  return {
    settings: project.settings,
    catalog: project.catalog,
    rules: compileRuleSet(project.rules.map((loaded) => loaded.rule)),
  };
}

/**
 * The project a function runs, validated by {@link loadDeployedProject} and reduced to plain
 * JSON: the validated settings and rules (schema defaults applied) and the template texts.
 *
 * @throws Error with every located message when the folder does not validate.
 */
export function compileDeployedProject(projectDir: string): DeployedProject {
  const project = loadDeployedProject(projectDir);
  return {
    format: DEPLOYED_PROJECT_FORMAT,
    settings: project.settings,
    rules: [...project.rules.rules.values()],
    templates: readTemplateFiles(join(projectDir, 'templates')),
  };
}
