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
  auth: 'none' | 'oidc';
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcGroupsClaim?: string;
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
    .addOption(
      new Option('--auth <mode>', 'console sign-in: none (open on 127.0.0.1) or oidc')
        .choices(['none', 'oidc'] as const)
        .default('none'),
    )
    .option('--oidc-issuer <url>', 'with --auth oidc: the OpenID Connect issuer URL')
    .option(
      '--oidc-client-id <id>',
      'with --auth oidc: the client id (secret from NUDGE_OIDC_CLIENT_SECRET or nudge.secrets.json)',
    )
    .option(
      '--oidc-groups-claim <name>',
      'with --auth oidc: the ID token claim holding groups (default cognito:groups)',
    )
    .action(async (options: StartOptions) => {
      // Loaded here so other commands never pay for the runtime's imports.
      const { runLocal } = await import('../../local/run-local.ts');
      const consolePort = Number(options.port);
      const eventsPort = Number(options.eventsPort);
      try {
        await runLocal({
          projectDir: process.cwd(),
          dataDir: resolve(options.dataDir),
          speed: Number(options.speed),
          fresh: options.fresh === true,
          dynamodb: options.dynamodb,
          ...(options.demo === undefined ? {} : { demo: options.demo }),
          live: options.live === true,
          consolePort,
          eventsPort,
          watch: options.watch,
          ...(options.auth === 'oidc'
            ? {
                auth: {
                  issuer: options.oidcIssuer,
                  clientId: options.oidcClientId,
                  groupsClaim: options.oidcGroupsClaim,
                },
              }
            : {}),
        });
      } catch (error) {
        const busy = busyPortMessage(error, { consolePort, eventsPort });
        if (busy === undefined) throw error;
        process.stderr.write(`${busy}\n`);
        process.exitCode = 1;
      }
    });
}

/**
 * A port another program holds is a user's problem, not a crash: one line naming the option that
 * moves it (everything started before it has been stopped by then).
 */
function busyPortMessage(
  error: unknown,
  ports: { consolePort: number; eventsPort: number },
): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || error.code !== 'EADDRINUSE') return undefined;
  const port = 'port' in error && typeof error.port === 'number' ? error.port : undefined;
  const option =
    port === ports.consolePort
      ? '--port (the console)'
      : port === ports.eventsPort
        ? '--events-port (the PutEvents endpoint)'
        : undefined;
  if (option === undefined) return `nudge start: port ${port ?? '?'} is already in use (${error.message}).`;
  return `nudge start: port ${port} is already in use; stop what holds it or choose another with ${option.replace(' (', ' <port> (')}.`;
}
