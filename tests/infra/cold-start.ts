/**
 * Loads a bundled function the way Lambda does (a fresh `node` importing index.mjs from its task
 * root), offline: Secrets Manager is a loopback stub, the other AWS clients are only constructed
 * at load. Proves the bundle, the ESM `require` shim, the deployed nudge-project.json and the
 * environment the stack sets all work together at cold start.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Valid-looking provider secrets, so the functions' secret schemas accept them. */
const SECRETS: Record<'twilio' | 'sendgrid' | 'unsubscribe', Record<string, string>> = {
  twilio: {
    accountSid: `AC${'0'.repeat(32)}`,
    authToken: 'test-auth-token-0123456789',
    from: '+46700000000',
  },
  sendgrid: {
    apiKey: 'SG.test-key',
    webhookPublicKey: `MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE${'A'.repeat(40)}`,
    fromEmail: 'nudge@example.com',
  },
  unsubscribe: { signingKey: 'test-unsubscribe-signing-key-0123456789abcdef' },
};

/**
 * A Secrets Manager GetSecretValue endpoint on 127.0.0.1 answering from {@link SECRETS}; `calls`
 * counts the secrets it has given out. Any other request gets a 400.
 */
export async function startFakeSecretsManager(): Promise<{
  url: string;
  calls: () => number;
  close: () => Promise<void>;
}> {
  let calls = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const parsed: unknown = JSON.parse(body === '' ? '{}' : body);
      const id =
        typeof parsed === 'object' &&
        parsed !== null &&
        'SecretId' in parsed &&
        typeof parsed.SecretId === 'string'
          ? parsed.SecretId
          : '';
      const which = id.includes('twilio')
        ? 'twilio'
        : id.includes('sendgrid')
          ? 'sendgrid'
          : id.includes('unsubscribe')
            ? 'unsubscribe'
            : undefined;
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || which === undefined) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `no secret ${id}` }));
        return;
      }
      calls += 1;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          ARN: id,
          Name: which,
          SecretString: JSON.stringify(SECRETS[which]),
          VersionId: 'v1',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_700_000_000,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the fake Secrets Manager has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A deploy-time value (an ARN, a URL, a name) stood in for, by variable name. */
export function fakeValueFor(name: string): string {
  const account = '111122223333';
  if (name === 'NUDGE_TWILIO_SECRET_ARN')
    return `arn:aws:secretsmanager:eu-north-1:${account}:secret:nudge/dev/twilio-AbC123`;
  if (name === 'NUDGE_SENDGRID_SECRET_ARN')
    return `arn:aws:secretsmanager:eu-north-1:${account}:secret:nudge/dev/sendgrid-AbC123`;
  if (name === 'NUDGE_UNSUBSCRIBE_SECRET_ARN')
    return `arn:aws:secretsmanager:eu-north-1:${account}:secret:nudge/dev/unsubscribe-AbC123`;
  if (name === 'NUDGE_SEND_QUEUE_URL') return `https://sqs.eu-north-1.amazonaws.com/${account}/send`;
  if (name === 'NUDGE_OUTCOME_QUEUE_URL') return `https://sqs.eu-north-1.amazonaws.com/${account}/outcomes`;
  if (name === 'NUDGE_WEBHOOK_BASE_URL') return 'https://abc123.lambda-url.eu-north-1.on.aws/';
  if (name.endsWith('_ARN')) return `arn:aws:sqs:eu-north-1:${account}:${name.toLowerCase()}`;
  return `nudge-test-${name.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * Imports `<assetDir>/index.mjs` in a child `node` with the function's environment and
 * LAMBDA_TASK_ROOT set to the asset, and reports what `handler` is. With `invoke`, the handler is
 * then called once with that event, and how the call ended is reported (`resolved` or
 * `rejected: <error name>`). DynamoDB's endpoint is the Secrets Manager stub too, which refuses
 * every DynamoDB call at once (400), so nothing leaves the machine.
 */
export async function coldStart(
  assetDir: string,
  environment: Record<string, string>,
  secretsManagerUrl: string,
  invoke?: unknown,
): Promise<{ handlerType: string; invoked?: string; stderr: string }> {
  const script = [
    'const m = await import(process.argv[1]);',
    'let invoked;',
    'if (process.argv[2] !== undefined)',
    "  invoked = await m.handler(JSON.parse(process.argv[2]), {}).then(() => 'resolved', (e) => 'rejected: ' + e?.name);",
    'process.stdout.write(JSON.stringify({ handlerType: typeof m.handler, invoked }));',
    'process.exit(0);',
  ].join('\n');
  const args = [pathToFileURL(join(assetDir, 'index.mjs')).href];
  if (invoke !== undefined) args.push(JSON.stringify(invoke));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script, ...args], {
      cwd: assetDir,
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManagerUrl,
        AWS_ENDPOINT_URL_DYNAMODB: secretsManagerUrl,
        ...environment,
      },
    });
    const reported: unknown = JSON.parse(stdout);
    const handlerType = Reflect.get(Object(reported), 'handlerType');
    const invoked = Reflect.get(Object(reported), 'invoked');
    return {
      handlerType: String(handlerType),
      ...(typeof invoked === 'string' ? { invoked } : {}),
      stderr: withoutKnownWarnings(stderr),
    };
  } catch (error) {
    const stderr =
      typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    return { handlerType: 'failed to load', stderr };
  }
}

/**
 * The AWS SDK warns once per process that its 2027 releases need Node 22 (PITFALLS.md); the
 * tests run on Node 20, Lambda on 22. Anything else on stderr is a real problem.
 */
function withoutKnownWarnings(stderr: string): string {
  return stderr.replace(
    /\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?to show where the warning was created\)\n?/g,
    '',
  );
}
