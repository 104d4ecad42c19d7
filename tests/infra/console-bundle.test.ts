// The console function as Lambda runs it: console.handler.ts bundled with the stack's esbuild
// options, cold-started in a child node with the environment the stack gives it, and invoked with
// HTTP API events for the routes that need no AWS call (the rest are covered against the stores in
// tests/unit/console/stores-console-backend.test.ts).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import { HANDLER_ENTRIES, LAMBDA_ESBUILD_OPTIONS } from '../../infra/bundling.ts';
import { REPO_ROOT } from '../../infra/settings.ts';
import { httpApiEvent } from '../support/http-api-event.ts';

const run = promisify(execFile);
const DOMAIN = 'abc123xyz.execute-api.eu-north-1.amazonaws.com';
const ORIGIN = `https://${DOMAIN}`;

const work = mkdtempSync(join(tmpdir(), 'nudge-console-bundle-'));
const assetDir = join(work, 'asset');

beforeAll(async () => {
  const project = join(work, 'project');
  mkdirSync(join(project, 'rules'), { recursive: true });
  mkdirSync(join(project, 'templates', 'parcel-late'), { recursive: true });
  writeFileSync(
    join(project, 'rules', 'parcel-late.yaml'),
    'id: parcel-late\ndescription: Say sorry when a parcel is late.\non:\n  source: [acme.orders]\n  detail-type: [ParcelLate]\nsend: immediately\nwindow: always\nchannels: [sms]\ntemplate: parcel-late\n',
  );
  writeFileSync(join(project, 'templates', 'parcel-late', 'en.sms.liquid'), 'Sorry, your parcel is late.');
  mkdirSync(assetDir);
  writeFileSync(join(assetDir, DEPLOYED_PROJECT_FILE), JSON.stringify(compileDeployedProject(project)));
  await build({
    entryPoints: [join(REPO_ROOT, HANDLER_ENTRIES.console)],
    ...LAMBDA_ESBUILD_OPTIONS,
    outfile: join(assetDir, 'index.mjs'),
    logLevel: 'error',
  });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Cold-starts the bundle once and answers each event in turn, as one execution environment. */
async function invokeBundle(events: unknown[]): Promise<Array<{ statusCode: number; body: string }>> {
  const script = `const m = await import(process.argv[1]);
const out = [];
for (const event of JSON.parse(process.argv[2])) out.push(await m.handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => 9000 }));
process.stdout.write(JSON.stringify(out)); process.exit(0);`;
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      pathToFileURL(join(assetDir, 'index.mjs')).href,
      JSON.stringify(events),
    ],
    {
      cwd: assetDir,
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        NUDGE_TABLE_NAME: 'nudge-test-table',
        NUDGE_EVENT_BUS_NAME: 'nudge-dev',
        NUDGE_CONSOLE_URL: ORIGIN,
        NUDGE_OIDC_ISSUER: 'https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_AbC',
        NUDGE_OIDC_CLIENT_ID: 'client',
      },
    },
  );
  return JSON.parse(stdout);
}

describe('the bundled console function', () => {
  it('cold-starts and answers the API, refusing cross-origin writes and reply-as-customer', async () => {
    // Act
    const [clock, captured, crossOrigin, reply, foreignHost] = await invokeBundle([
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN }),
      httpApiEvent('GET', '/api/captured', { domain: DOMAIN }),
      httpApiEvent('POST', '/api/events', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ source: 'acme.orders', 'detail-type': 'ParcelLate', detail: {} }),
      }),
      httpApiEvent('POST', '/api/replies', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ from: '+46701234567', body: 'YES' }),
      }),
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN, headers: { host: 'evil.example' } }),
    ]);

    // Assert
    expect(clock?.statusCode).toBe(200);
    expect(JSON.parse(clock?.body ?? '')).toMatchObject({ speed: 1 });
    expect(JSON.parse(captured?.body ?? '')).toMatchObject({ items: [] });
    expect(crossOrigin?.statusCode).toBe(403);
    expect(reply?.statusCode).toBe(422);
    expect(JSON.parse(reply?.body ?? '')).toMatchObject({ error: { code: 'reply-rejected' } });
    expect(foreignHost?.statusCode).toBe(403);
  }, 30_000);
});
