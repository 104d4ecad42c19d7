import { Command } from 'commander';
import { registerBacktest } from './commands/backtest.command.ts';
import { registerCustomer } from './commands/customer.command.ts';
import { registerDemo } from './commands/demo.command.ts';
import { registerPreview } from './commands/preview.command.ts';
import { registerReport } from './commands/report.command.ts';
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
registerReport(program);
registerStart(program);
registerCustomer(program);
registerBacktest(program);
registerStats(program);

await program.parseAsync(process.argv);
