/**
 * The rules, templates and nudge.config.yaml that are deployed as data with the functions,
 * checked at synthesis time so a bad rule never reaches an account.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule } from '../functions/core/rules/rule-schema.ts';
import { loadDeployedProject } from '../functions/handlers/lambda-environment.ts';
import { PROJECT_DATA } from './bundling.ts';

/** The rules folder did not validate; the message lists every `file:line field: message`. */
export class InvalidProjectError extends Error {
  override readonly name = 'InvalidProjectError';
}

/** What synthesis needs from the validated project. */
export interface CheckedProject {
  /** Absolute folder holding rules/, templates/ and nudge.config.yaml. */
  dir: string;
  rules: ReadonlyArray<Rule>;
}

/**
 * Validates the project folder with the very function the Lambdas run at cold start
 * (`loadDeployedProject`: settings, rules, templates, rule ↔ template checks, compilation), so
 * synthesis refuses exactly what a cold start would refuse, with the same located messages the
 * CLI's `nudge rules validate` prints.
 *
 * @throws InvalidProjectError with every `file:line field: message`.
 */
export function checkProject(dir: string): CheckedProject {
  const missing = PROJECT_DATA.filter((name) => name !== 'nudge.config.yaml' && !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new InvalidProjectError(`Nudge project folder ${dir} has no ${missing.join(' or ')} folder`);
  }
  try {
    const project = loadDeployedProject(dir);
    return { dir, rules: [...project.rules.rules.values()] };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidProjectError(
      `Synthesis stopped: the Nudge project in ${dir} does not validate (run \`npx nudge rules validate\`).\n${detail}`,
      { cause: error },
    );
  }
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
