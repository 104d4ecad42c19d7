import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { describeRule } from '../../functions/core/rules/describe-rule.ts';
import { formatRuleIssue, type LoadedRule } from '../../functions/core/rules/parse-rule-files.ts';
import { RuleSchema } from '../../functions/core/rules/rule-schema.ts';
import type { BacktestInput } from '../../functions/simulator/backtest.ts';
import {
  checkGoalPatterns,
  type GoalCheckResult,
  hasGoalPatterns,
} from '../../functions/simulator/goal-pattern-check.ts';
import { streamJsonLines } from '../../functions/simulator/read-events.ts';
import { readRuntimeFile } from '../../local/runtime/runtime-file.ts';
import { openStoreTarget, type StoreTargetOptions, storeTargetOptions } from '../store-target.ts';
import { printIssues } from './project.ts';
import { registerRuleVersions } from './rules-versions.command.ts';

/** `nudge rules validate` and `nudge rules schema`. */
export function registerRules(program: Command): void {
  const rules = program
    .command('rules')
    .description('Check, publish and roll back notification rules; export their JSON Schema');
  registerRuleVersions(rules);

  storeTargetOptions(
    rules
      .command('validate')
      .description(
        'Validate every rule (and its templates); prints a summary per rule, or each error as file:line:column field: message',
      )
      .argument('[dir]', 'rules folder', 'rules')
      .option('--templates <dir>', 'templates folder', 'templates')
      .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)')
      .option('--events <file>', 'past journey events (JSON Lines) to check goal and avoid patterns against')
      .option(
        '--days <n>',
        'how many days of the event archive to check goal and avoid patterns against',
        '14',
      ),
  ).action(async (dir: string, options: ValidateOptions) => {
    const project = loadProject({ rules: dir, templates: options.templates, config: options.config });
    // Warnings first and always: they do not fail the run, but they are why a message may surprise.
    for (const warning of project.warnings) process.stderr.write(`${formatRuleIssue(warning)} (warning)\n`);
    if (project.issues.length > 0) {
      printIssues(project.issues);
      process.stderr.write(`\n${project.issues.length} problem(s) found.\n`);
      process.exitCode = 1;
      return;
    }
    const past = await checkGoalsAgainstPast(project.rules, options);
    if (past === 'usage') {
      process.exitCode = 2;
      return;
    }
    for (const warning of past) process.stderr.write(`${formatRuleIssue(warning)} (warning)\n`);
    for (const loaded of project.rules) {
      process.stdout.write(
        `${loaded.rule.enabled ? 'ok ' : 'off'} ${describeRule(loaded.rule)}  (${loaded.file})\n`,
      );
    }
    const warnings = project.warnings.length + past.length;
    const warned = warnings === 0 ? '' : ` ${warnings} warning(s).`;
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

interface ValidateOptions extends StoreTargetOptions {
  templates: string;
  config?: string;
  events?: string;
  days: string;
}

/**
 * Checks the goal and avoid patterns against past events: `--events`, else the event archive of
 * `--table` or of a running local runtime (never started just for this). Without either it says
 * the check was not made. An archive that cannot be read is a note, not a failure.
 */
async function checkGoalsAgainstPast(
  rules: ReadonlyArray<LoadedRule>,
  options: ValidateOptions,
): Promise<GoalCheckResult['warnings'] | 'usage'> {
  if (!hasGoalPatterns(rules)) return [];
  if (options.events !== undefined) {
    if (!existsSync(options.events)) {
      process.stderr.write(`nudge rules validate: --events: no such file '${options.events}'\n`);
      return 'usage';
    }
    const values = parsedValues(streamJsonLines(options.events));
    return (await checkGoalPatterns(rules, values, { description: `in ${options.events}` })).warnings;
  }
  if (!/^[1-9]\d*$/.test(options.days)) {
    process.stderr.write(
      `nudge rules validate: --days must be a whole number of days, not '${options.days}'\n`,
    );
    return 'usage';
  }
  if (options.table === undefined && readRuntimeFile(resolve(options.dataDir ?? '.nudge')) === undefined) {
    process.stderr.write(
      'note: goal and avoid patterns not checked against past events: no event archive (give --events <file> or --table <name>, or run npm start)\n',
    );
    return [];
  }
  const target = await openStoreTarget(options);
  try {
    const to = DateTime.utc();
    const from = to.minus({ days: Number(options.days) });
    const description = `in the event archive's last ${options.days} day(s) (${target.where})`;
    const events = archivedValues(target.stores.events.readRange(from.toISO() ?? '', to.toISO() ?? ''));
    return (await checkGoalPatterns(rules, events, { description })).warnings;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `note: goal and avoid patterns not checked: the event archive of ${target.where} could not be read (${reason})\n`,
    );
    return [];
  } finally {
    await target.close();
  }
}

async function* parsedValues(batches: AsyncIterable<ReadonlyArray<BacktestInput>>): AsyncGenerator<unknown> {
  for await (const batch of batches) for (const line of batch) if ('value' in line) yield line.value;
}

async function* archivedValues(entries: AsyncIterable<{ event: unknown }>): AsyncGenerator<unknown> {
  for await (const entry of entries) yield entry.event;
}
