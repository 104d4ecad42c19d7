import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { describeRule } from '../../functions/core/rules/describe-rule.ts';
import { formatRuleIssue } from '../../functions/core/rules/parse-rule-files.ts';
import { RuleSchema } from '../../functions/core/rules/rule-schema.ts';
import { printIssues } from './project.ts';
import { registerRuleVersions } from './rules-versions.command.ts';

/** `nudge rules validate` and `nudge rules schema`. */
export function registerRules(program: Command): void {
  const rules = program
    .command('rules')
    .description('Check, publish and roll back notification rules; export their JSON Schema');
  registerRuleVersions(rules);

  rules
    .command('validate')
    .description(
      'Validate every rule (and its templates); prints a summary per rule, or each error as file:line:column field: message',
    )
    .argument('[dir]', 'rules folder', 'rules')
    .option('--templates <dir>', 'templates folder', 'templates')
    .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)')
    .action((dir: string, options: { templates: string; config?: string }) => {
      const project = loadProject({ rules: dir, templates: options.templates, config: options.config });
      // Warnings first and always: they do not fail the run, but they are why a message may surprise.
      for (const warning of project.warnings) process.stderr.write(`${formatRuleIssue(warning)} (warning)\n`);
      if (project.issues.length > 0) {
        printIssues(project.issues);
        process.stderr.write(`\n${project.issues.length} problem(s) found.\n`);
        process.exitCode = 1;
        return;
      }
      for (const loaded of project.rules) {
        process.stdout.write(
          `${loaded.rule.enabled ? 'ok ' : 'off'} ${describeRule(loaded.rule)}  (${loaded.file})\n`,
        );
      }
      const warned = project.warnings.length === 0 ? '' : ` ${project.warnings.length} warning(s).`;
      process.stdout.write(`${project.rules.length} rule(s) valid.${warned}\n`);
    });

  rules
    .command('schema')
    .description('Print (or write) the JSON Schema of a rule file, for editor autocompletion')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((options: { out?: string }) => {
      const schema = z.toJSONSchema(RuleSchema, { io: 'input', unrepresentable: 'any' });
      const text = `${JSON.stringify({ title: 'Nudge notification rule', ...schema }, null, 2)}\n`;
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      mkdirSync(dirname(options.out), { recursive: true });
      writeFileSync(options.out, text);
      process.stdout.write(`wrote ${options.out}\n`);
    });
}
