import type { Command } from 'commander';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { MemoryGoalLedger } from '../../functions/adapters/memory/memory-goal-ledger.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import { mergeProfile } from '../../functions/core/customers/customer-profile.ts';
import { EventCustomerSchema } from '../../functions/core/customers/event-customer.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { runSimulation } from '../../functions/simulator/run-simulation.ts';
import { formatGoalRates } from '../format-effect-report.ts';
import { formatSimulationTable } from '../format-simulation-table.ts';
import { printIssues, readJsonLines } from './project.ts';

/** `nudge simulate`: replay events through the engine on a virtual clock. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Replay journey events through the rules on a virtual clock and show every decision')
    .requiredOption('--events <file>', 'journey events, one EventBridge event per line (JSON Lines)')
    .option('--rules <dir>', 'rules folder', 'rules')
    .option('--templates <dir>', 'templates folder', 'templates')
    .option(
      '--profiles <file>',
      'stored customer profiles (JSON Lines) for events that carry only detail.customerId',
    )
    .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)')
    .option('--until <iso>', 'stop the clock here; later sends are shown as pending')
    .option('--format <format>', 'jsonl (one decision per line) or table', 'table')
    .action(async (options: SimulateOptions) => {
      const output = await simulateCommand(options);
      process.stdout.write(output.text);
      process.exitCode = output.exitCode;
    });
}

interface SimulateOptions {
  events: string;
  rules: string;
  templates: string;
  profiles?: string;
  config?: string;
  until?: string;
  format: string;
}

/** Runs a simulation as the CLI does and returns what it prints, so tests drive the real command. */
export async function simulateCommand(options: SimulateOptions): Promise<{ text: string; exitCode: number }> {
  if (options.format !== 'jsonl' && options.format !== 'table') {
    process.stderr.write(`--format must be jsonl or table, not '${options.format}'\n`);
    return { text: '', exitCode: 2 };
  }
  const until = options.until === undefined ? undefined : DateTime.fromISO(options.until, { zone: 'utc' });
  if (until !== undefined && !until.isValid) {
    process.stderr.write(`--until is not an ISO-8601 time: '${options.until}'\n`);
    return { text: '', exitCode: 2 };
  }
  const project = loadProject(options);
  if (project.issues.length > 0) {
    printIssues(project.issues);
    process.stderr.write('The rules are invalid; fix them and run again.\n');
    return { text: '', exitCode: 1 };
  }
  const profiles = options.profiles === undefined ? [] : readProfiles(options.profiles);
  const goals = new MemoryGoalLedger();
  const lines = await runSimulation({
    goals,
    rules: compileRuleSet(project.rules.map((loaded) => loaded.rule)),
    settings: project.settings,
    catalog: project.catalog,
    events: readJsonLines(options.events),
    profiles,
    ...(until === undefined ? {} : { until }),
  });
  const text =
    options.format === 'jsonl'
      ? lines.map((line) => `${JSON.stringify(line)}\n`).join('')
      : formatSimulationTable(
          lines,
          project.rules.map((loaded) => loaded.rule.id),
        ) +
        (await formatGoalRates(
          goals,
          project.rules.map((loaded) => loaded.rule),
        ));
  return { text, exitCode: 0 };
}

const ProfileLineSchema = EventCustomerSchema;

function readProfiles(path: string): CustomerProfile[] {
  const profiles: CustomerProfile[] = [];
  for (const input of readJsonLines(path)) {
    if ('error' in input) throw new Error(`${path}:${input.line} ${input.error}`);
    const parsed = ProfileLineSchema.safeParse(input.value);
    if (!parsed.success)
      throw new Error(`${path}:${input.line} ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    profiles.push(mergeProfile(undefined, parsed.data, '1970-01-01T00:00:00.000Z', `profiles:${path}`));
  }
  return profiles;
}
