import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { Rule } from '../core/rules/rule-schema.ts';

/** The file, next to each function's `index.mjs`, that holds the project it runs. */
export const DEPLOYED_PROJECT_FILE = 'nudge-project.json';

/** Bumped when the shape of {@link DeployedProject} changes; a function refuses any other. */
export const DEPLOYED_PROJECT_FORMAT = 1;

/**
 * The rules, templates and settings a function runs, as synthesis checked them: the settings and
 * rules are the validated values (the output of the rule and settings schemas, defaults applied),
 * the templates the file texts by path below `templates/`. Written at synthesis by
 * `compileDeployedProject` (functions/handlers/compile-project.ts), which runs the same
 * validation as `nudge rules validate`; a function reads it at cold start instead of parsing
 * YAML and validating the rules again, so neither the YAML parser nor the rule schema is in its
 * bundle.
 */
export interface DeployedProject {
  format: typeof DEPLOYED_PROJECT_FORMAT;
  settings: EngineSettings;
  rules: Rule[];
  /** `renewal-reminder/sv.sms.liquid` → file text. */
  templates: Record<string, string>;
}

/**
 * Reads the project deployed with the function. The file was produced and validated at
 * synthesis; this only checks that it is that file, in this format, so a hand-edited or stale
 * artifact fails the cold start with a clear message instead of a confusing error later.
 *
 * @throws Error naming the file when it is missing, not JSON, or of another format.
 */
export function readDeployedProject(dir = process.env.LAMBDA_TASK_ROOT ?? process.cwd()): DeployedProject {
  const file = join(dir, DEPLOYED_PROJECT_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Nudge project not readable from ${file} (synthesis writes it): ${reason}`, { cause });
  }
  if (!isDeployedProject(parsed)) {
    throw new Error(
      `Nudge project in ${file} is not a format-${DEPLOYED_PROJECT_FORMAT} project file: redeploy (npm run synth writes it)`,
    );
  }
  return parsed;
}

function isDeployedProject(value: unknown): value is DeployedProject {
  if (typeof value !== 'object' || value === null) return false;
  const format: unknown = Reflect.get(value, 'format');
  const settings: unknown = Reflect.get(value, 'settings');
  const rules: unknown = Reflect.get(value, 'rules');
  const templates: unknown = Reflect.get(value, 'templates');
  return (
    format === DEPLOYED_PROJECT_FORMAT &&
    typeof settings === 'object' &&
    settings !== null &&
    Array.isArray(rules) &&
    rules.every((rule: unknown) => typeof rule === 'object' && rule !== null) &&
    typeof templates === 'object' &&
    templates !== null &&
    Object.values(templates).every((text: unknown) => typeof text === 'string')
  );
}
