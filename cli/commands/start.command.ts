import { resolve } from 'node:path';
import { type Command, Option } from 'commander';

interface StartOptions {
  speed: string;
  fresh?: boolean;
  demo?: boolean;
  live?: boolean;
  port: string;
  eventsPort: string;
  dataDir: string;
  watch: boolean;
  dynamodb: 'auto' | 'dynamodb-local' | 'dynalite';
}

/** `nudge start` (npm start): the whole service on this machine. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run the whole service locally: DynamoDB Local, provider sandboxes, event endpoint, console')
    .option('--speed <n>', 'virtual clock speed: 1 = real time, 20160 = a 14-day reminder in a minute', '1')
    .option('--fresh', 'wipe local data (.nudge/) before starting')
    .option('--demo', 'play the example journeys (default: on the first start only)')
    .option('--no-demo', 'do not play the example journeys')
    .option(
      '--live',
      'send through the real Twilio and SendGrid (credentials from env or nudge.secrets.json)',
    )
    .option('--port <port>', 'console port', '3000')
    .option('--events-port <port>', 'EventBridge PutEvents endpoint port', '4010')
    .option('--data-dir <dir>', 'where local data persists', '.nudge')
    .option('--no-watch', 'do not reload rules and templates on change')
    .addOption(
      new Option(
        '--dynamodb <engine>',
        'local DynamoDB: auto = DynamoDB Local, or dynalite (in-process, no Java) when Java 17+ is missing',
      )
        .choices(['auto', 'dynamodb-local', 'dynalite'] as const)
        .env('NUDGE_DYNAMODB')
        .default('auto'),
    )
    .action(async (options: StartOptions) => {
      // Loaded here so other commands never pay for the runtime's imports.
      const { runLocal } = await import('../../local/run-local.ts');
      await runLocal({
        projectDir: process.cwd(),
        dataDir: resolve(options.dataDir),
        speed: Number(options.speed),
        fresh: options.fresh === true,
        dynamodb: options.dynamodb,
        ...(options.demo === undefined ? {} : { demo: options.demo }),
        live: options.live === true,
        consolePort: Number(options.port),
        eventsPort: Number(options.eventsPort),
        watch: options.watch,
      });
    });
}
