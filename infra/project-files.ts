/**
 * The rules, templates and nudge.config.yaml that are deployed as data with the functions,
 * checked at synthesis time so a bad rule never reaches an account.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule } from '../functions/core/rules/rule-schema.ts';
import { compileDeployedProject } from '../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE, type DeployedProject } from '../functions/handlers/deployed-project.ts';
import { PROJECT_DATA } from './bundling.ts';

/** The rules folder did not validate; the message lists every `file:line field: message`. */
class InvalidProjectError extends Error {
  override readonly name = 'InvalidProjectError';
}

/** What synthesis needs from the validated project. */
export interface CheckedProject {
  /** Absolute folder holding rules/, templates/ and nudge.config.yaml. */
  dir: string;
  rules: ReadonlyArray<Rule>;
  /** What the functions run: the validated project as JSON (deployed as nudge-project.json). */
  deployed: DeployedProject;
}

/**
 * Validates the project folder (`compileDeployedProject`: settings, rules, templates, rule ↔
 * template checks, compilation) and returns what the functions will run, so synthesis refuses a
 * bad rule with the same located messages the CLI's `nudge rules validate` prints, and the
 * functions start from the checked result instead of validating again at every cold start.
 *
 * @throws InvalidProjectError with every `file:line field: message`.
 */
export function checkProject(dir: string): CheckedProject {
  const missing = PROJECT_DATA.filter((name) => name !== 'nudge.config.yaml' && !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new InvalidProjectError(`Nudge project folder ${dir} has no ${missing.join(' or ')} folder`);
  }
  try {
    const deployed = compileDeployedProject(dir);
    return { dir, rules: deployed.rules, deployed };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidProjectError(
      `Synthesis stopped: the Nudge project in ${dir} does not validate (run \`npx nudge rules validate\`).\n${detail}`,
      { cause: error },
    );
  }
}

/**
 * Writes the checked project as `nudge-project.json` into `dir` (the CDK app's output folder,
 * so it goes away with the cloud assembly) and returns its path, for the bundling step to copy
 * next to each function's `index.mjs`. The file is then part of each function's asset hash, so
 * a rule edit redeploys.
 */
export function writeDeployedProject(project: DeployedProject, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, DEPLOYED_PROJECT_FILE);
  writeFileSync(file, JSON.stringify(project));
  return file;
}

/**
 * The event sources the rules listen to (triggers, cancels and expectations), for the ingest
 * rule's pattern: forwarding only these keeps other traffic on a shared bus away from the
 * evaluate function. Disabled rules count too, since they still close their pending messages.
 *
 * @throws Error when a rule's pattern does not name its sources as plain strings (prefix
 *   matching, `$or`, or no `source` at all): then the context setting `sources` must say it.
 */
export function sourcesOfRules(rules: ReadonlyArray<Rule>): string[] {
  const sources = new Set<string>();
  const unclear: string[] = [];
  for (const rule of rules) {
    const patterns = [rule.on, ...(rule.cancel?.on ?? []), ...(rule.expect?.on ?? [])];
    for (const pattern of patterns) {
      const listed = pattern.source;
      if (isStringList(listed)) {
        for (const entry of listed) sources.add(entry);
      } else {
        unclear.push(rule.id);
      }
    }
  }
  if (unclear.length > 0) {
    throw new Error(
      `cannot derive the ingest rule's sources: rule(s) ${[...new Set(unclear)].join(', ')} do not list their ` +
        'event sources as plain strings; set the context value "sources" (e.g. -c sources=acme.orders,acme.policy)',
    );
  }
  return [...sources].sort();
}

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.length > 0 && value.every((entry: unknown) => typeof entry === 'string')
  );
}
