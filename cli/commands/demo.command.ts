import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { simulateCommand } from './simulate.command.ts';

/** `nudge demo`: simulate every example journey and print what Nudge would send. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Simulate the example journeys in examples/events with the shipped rules and templates')
    .option('--events <dir>', 'folder of example event files', 'examples/events')
    .action(async (options: { events: string }) => {
      const files = readdirSync(options.events)
        .filter((name) => name.endsWith('.jsonl'))
        .sort();
      for (const file of files) {
        const path = join(options.events, file);
        process.stdout.write(`\n== ${path}\n`);
        const output = await simulateCommand({
          events: path,
          rules: 'rules',
          templates: 'templates',
          format: 'table',
        });
        process.stdout.write(output.text);
        if (output.exitCode !== 0) {
          process.exitCode = output.exitCode;
          return;
        }
      }
      process.stdout.write(
        '\nTry one yourself: npx nudge simulate --events examples/events/renewal.jsonl --format jsonl\n',
      );
    });
}
