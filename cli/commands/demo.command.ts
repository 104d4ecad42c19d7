import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { SimulationLine } from '../../functions/simulator/run-simulation.ts';
import { emptyDemoTotals, formatDemoJourney, formatDemoTotals } from '../format-demo-summary.ts';
import { simulateCommand } from './simulate.command.ts';

/** `nudge demo`: simulate every example journey and print, compactly, what Nudge would do. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Simulate the example journeys in examples/events with the shipped rules and templates')
    .option('--events <dir>', 'folder of example event files', 'examples/events')
    .option('--rules <dir>', 'rules folder', 'rules')
    .option('--templates <dir>', 'templates folder', 'templates')
    .action(async (options: DemoOptions) => {
      const output = await demoCommand(options);
      process.stdout.write(output.text);
      process.exitCode = output.exitCode;
    });
}

interface DemoOptions {
  events: string;
  rules: string;
  templates: string;
}

/**
 * Runs every `*.jsonl` journey through `nudge simulate` and returns the compact summary the
 * command prints: per journey a line per decision, times in the recipient's own zone.
 */
export async function demoCommand(options: DemoOptions): Promise<{ text: string; exitCode: number }> {
  const files = readdirSync(options.events)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  const totals = emptyDemoTotals();
  const out: string[] = [];
  for (const file of files) {
    const path = join(options.events, file);
    const output = await simulateCommand({
      events: path,
      rules: options.rules,
      templates: options.templates,
      format: 'jsonl',
    });
    if (output.exitCode !== 0) return { text: out.join(''), exitCode: output.exitCode };
    const lines = output.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line): SimulationLine => JSON.parse(line));
    out.push(`${file.replace(/\.jsonl$/, '')} (${path})\n${formatDemoJourney(lines, totals)}\n\n`);
  }
  out.push(`${formatDemoTotals(files.length, totals)}\n`);
  out.push(
    'Every decision in full: npx nudge simulate --events examples/events/renewal.jsonl [--format jsonl]\n',
  );
  return { text: out.join(''), exitCode: 0 };
}
