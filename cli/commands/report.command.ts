import type { Command } from 'commander';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { type RuleEffect, ruleEffect } from '../../functions/app/rule-effect.ts';
import type { Rule } from '../../functions/core/rules/rule-schema.ts';
import { ALL_FROM, ALL_TO, formatEffectReport } from '../format-effect-report.ts';
import { openStoreTarget, type StoreTargetOptions, storeTargetOptions } from '../store-target.ts';
import { printIssues } from './project.ts';

interface ReportOptions extends StoreTargetOptions {
  rule?: string;
  from?: string;
  to?: string;
  json?: boolean;
  rules: string;
  templates: string;
  config?: string;
}

/** `nudge report`: goal rates and lift per rule, from the journey table's daily tallies. */
export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description('Per rule: messaged vs held-out goal rates and the lift with a 95 % confidence interval')
    .option('--rule <id>', 'one rule (default: every rule with a goal or avoid)')
    .option('--from <day>', 'first day (yyyy-MM-dd, UTC) of the decisions’ send times (default: all)')
    .option('--to <day>', 'last day (yyyy-MM-dd, UTC), inclusive (default: all)')
    .option('--json', 'print JSON instead of a table')
    .option('--rules <dir>', 'rules folder', 'rules')
    .option('--templates <dir>', 'templates folder', 'templates')
    .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)');
  storeTargetOptions(command).action(async (options: ReportOptions) => {
    const output = await reportCommand(options);
    process.stdout.write(output.text);
    process.exitCode = output.exitCode;
  });
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Runs the report as the CLI does and returns what it prints, so tests drive the real command. */
export async function reportCommand(options: ReportOptions): Promise<{ text: string; exitCode: number }> {
  for (const [flag, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    if (value !== undefined && !DAY.test(value)) {
      process.stderr.write(`${flag} must be a day such as 2026-12-01, not '${value}'\n`);
      return { text: '', exitCode: 2 };
    }
  }
  const project = loadProject(options);
  if (project.issues.length > 0) {
    printIssues(project.issues);
    return { text: '', exitCode: 1 };
  }
  const rules = selectRules(
    project.rules.map((loaded) => loaded.rule),
    options.rule,
  );
  if (rules === undefined) {
    process.stderr.write(`no rule with id '${options.rule}' in ${options.rules}\n`);
    return { text: '', exitCode: 1 };
  }
  const range = { from: options.from ?? ALL_FROM, to: options.to ?? ALL_TO };
  const target = await openStoreTarget(options);
  try {
    const effects: Array<{ effect: RuleEffect; kinds: string[] }> = [];
    for (const rule of rules) {
      const kinds = (['goal', 'avoid'] as const).filter((kind) => rule[kind] !== undefined);
      effects.push({ effect: await ruleEffect(target.stores.goals, rule.id, range), kinds });
    }
    const text = options.json
      ? `${JSON.stringify(
          effects.map(({ effect }) => effect),
          null,
          2,
        )}\n`
      : formatEffectReport(effects);
    return { text, exitCode: 0 };
  } finally {
    await target.close();
  }
}

function selectRules(rules: ReadonlyArray<Rule>, id: string | undefined): Rule[] | undefined {
  if (id === undefined) return rules.filter((rule) => rule.goal !== undefined || rule.avoid !== undefined);
  const rule = rules.find((candidate) => candidate.id === id);
  return rule === undefined ? undefined : [rule];
}
