import { Command } from 'commander';
import { registerDemo } from './commands/demo.command.ts';
import { registerPreview } from './commands/preview.command.ts';
import { registerRules } from './commands/rules.command.ts';
import { registerSimulate } from './commands/simulate.command.ts';
import { registerStart } from './commands/start.command.ts';
import { registerStats } from './commands/stats.command.ts';

const program = new Command()
  .name('nudge')
  .description(
    'Nudge: proactive SMS and email for customer journeys. Check rules, preview templates, simulate.',
  )
  .showHelpAfterError();

registerRules(program);
registerSimulate(program);
registerPreview(program);
registerDemo(program);
registerStart(program);
registerStats(program);

await program.parseAsync(process.argv);
