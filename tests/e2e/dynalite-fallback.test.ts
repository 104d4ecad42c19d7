import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../../local/dynamodb/free-port.ts';
import { startLocalDynamoDb } from '../../local/dynamodb/local-dynamodb.ts';
import { DYNALITE_TTL_NOTE } from '../../local/dynamodb/local-journey-table.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// `npm start` without Java: dynalite instead of DynamoDB Local, chosen automatically when Java 17+
// is not usable, or on request (--dynamodb dynalite, NUDGE_DYNAMODB=dynalite). The whole journey
// must work on it as on DynamoDB Local, data must persist in the data folder, and stop must close it.
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nudge-dynalite-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A `java` that runs and says it is Java 11. */
function oldJava(): string {
  const path = join(scratch, 'java-11');
  writeFileSync(path, '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n');
  chmodSync(path, 0o755);
  return path;
}

describe('choosing the local DynamoDB', () => {
  it('falls back to dynalite with one line of notice when Java is missing, and stop frees its port', async () => {
    const dynamo = await startLocalDynamoDb({ engine: 'auto', javaCommand: join(scratch, 'no-such-java') });
    try {
      expect(dynamo.engine).toBe('dynalite');
      expect(dynamo.notice).toBe(
        'Java 17+ not found: using dynalite (in-process DynamoDB API) instead of DynamoDB Local — ' +
          'install Java 17 for the real thing (apt-get install -y openjdk-17-jre-headless)',
      );
      expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
      expect(await isPortFree(dynamo.port)).toBe(false);
    } finally {
      await dynamo.stop();
    }
    expect(await isPortFree(dynamo.port)).toBe(true);
  });

  it('falls back when Java is older than 17 too, and says so', async () => {
    const dynamo = await startLocalDynamoDb({ engine: 'auto', javaCommand: oldJava() });
    await dynamo.stop();

    expect(dynamo.engine).toBe('dynalite');
    expect(dynamo.notice).toMatch(/^Java is older than 17: using dynalite /);
    expect(dynamo.notice).not.toContain('\n');
  });

  it('does not fall back when DynamoDB Local is asked for by name', async () => {
    await expect(
      startLocalDynamoDb({ engine: 'dynamodb-local', javaCommand: join(scratch, 'no-such-java') }),
    ).rejects.toMatchObject({ name: 'DynamoDbLocalError', code: 'JAVA_MISSING' });
  });

  it('refuses a data folder another dynalite holds with a clear error, not a crash', async () => {
    const dataDir = join(scratch, 'held');
    const holder = await startLocalDynamoDb({ engine: 'dynalite', dataDir });
    try {
      await expect(startLocalDynamoDb({ engine: 'dynalite', dataDir })).rejects.toMatchObject({
        code: 'DYNALITE_UNAVAILABLE',
        message: expect.stringContaining('Is another `npm start` using the same data folder?'),
      });
    } finally {
      await holder.stop();
    }
  });

  it('runs dynalite without a notice when it is asked for', async () => {
    const dynamo = await startLocalDynamoDb({ engine: 'dynalite' });
    await dynamo.stop();

    expect(dynamo).toMatchObject({ engine: 'dynalite' });
    expect(dynamo.notice).toBeUndefined();
  });
});

describe('npm start on dynalite, end to end', () => {
  const customer = {
    id: 'cust-dynalite',
    firstName: 'Eva',
    phone: '+46705550001',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
  };
  const busFor = (runtime: LocalRuntime) =>
    new EventBridgeClient({
      endpoint: runtime.urls.events,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
  const start = (dataDir: string, lines: string[], fresh = false) =>
    startLocalRuntime({
      projectDir: process.cwd(),
      dataDir,
      fresh,
      dynamodb: 'dynalite',
      demo: false,
      watch: false,
      ports: { console: 0, events: 0 },
      log: (line) => lines.push(line),
    });

  it('sends, honours STOP, keeps data across a restart, and --fresh wipes it', async () => {
    const dataDir = join(scratch, 'data');
    const lines: string[] = [];
    const first = await start(dataDir, lines);
    let dynamoPort = 0;
    let scheduledId = '';
    try {
      dynamoPort = Number(new URL(first.urls.dynamodb).port);
      expect(first.dynamodbEngine).toBe('dynalite');
      expect(lines.filter((line) => line === DYNALITE_TTL_NOTE)).toHaveLength(1);
      const bus = busFor(first);
      const callbackBooked = (callbackId: string) =>
        bus.send(
          new PutEventsCommand({
            Entries: [
              {
                Source: 'acme.contact-centre',
                DetailType: 'CallbackBooked',
                Detail: JSON.stringify({
                  callbackId,
                  caseId: `K-${callbackId}`,
                  callbackAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
                  customer,
                }),
              },
            ],
          }),
        );

      await callbackBooked('CB-DYN-1');
      await first.settle();
      const sms = first.twilio.messages().filter((message) => message.to === customer.phone);
      expect(sms).toHaveLength(1);
      expect(sms[0]?.body).toMatch(/^Hej Eva! Vi ringer dig .* Ärende K-CB-DYN-1\.$/);

      const reply = await fetch(`${first.urls.console}/api/replies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: customer.phone, body: 'STOP' }),
      });
      expect(reply.status).toBeLessThan(300);
      await callbackBooked('CB-DYN-2');
      await first.settle();
      const confirmations = (await first.stores.queries.customerTimeline(customer.id, 10)).messages.filter(
        (message) => message.ruleId === 'callback-booked',
      );
      expect(confirmations.map((message) => [message.trigger.detail.callbackId, message.status])).toEqual([
        ['CB-DYN-2', 'suppressed'],
        ['CB-DYN-1', 'delivered'],
      ]);
      // One message of a rule; the other SMS to the number is the STOP confirmation in the TwiML answer.
      const sent = first.twilio.messages().filter((message) => message.to === customer.phone);
      expect(sent.map((message) => message.direction)).toEqual(['outbound-api', 'outbound-reply']);

      await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'acme.bookings',
              DetailType: 'AppointmentBooked',
              Detail: JSON.stringify({
                appointmentId: 'A-dynalite',
                location: 'Klinik',
                appointmentAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
                customer: {
                  id: 'cust-dyn-later',
                  phone: '+46705550002',
                  locale: 'sv',
                  timeZone: 'Europe/Stockholm',
                },
              }),
            },
          ],
        }),
      );
      const [planned] = (await first.stores.queries.customerTimeline('cust-dyn-later', 10)).messages;
      expect(planned?.status).toBe('scheduled');
      scheduledId = planned?.messageId ?? '';
    } finally {
      await first.stop();
    }
    expect(await isPortFree(dynamoPort)).toBe(true);

    const second = await start(dataDir, lines);
    try {
      expect((await second.stores.messages.getMessage(scheduledId))?.status).toBe('scheduled');
      expect(second.pendingSends().map((pending) => pending.messageId)).toContain(scheduledId);
    } finally {
      await second.stop();
    }

    const third = await start(dataDir, lines, true);
    try {
      expect(await third.stores.messages.getMessage(scheduledId)).toBeUndefined();
      expect(third.pendingSends()).toEqual([]);
    } finally {
      await third.stop();
    }
  });
});

describe('nudge start with NUDGE_DYNAMODB=dynalite', () => {
  it('prints where dynalite is, and Ctrl-C stops everything and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/nudge.js',
        'start',
        '--port',
        '0',
        '--events-port',
        '0',
        '--data-dir',
        join(scratch, 'cli-data'),
        '--no-demo',
        '--no-watch',
      ],
      { cwd: process.cwd(), env: { ...process.env, NUDGE_DYNAMODB: 'dynalite' }, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ready = Date.now() + 60_000;
      while (!output.includes('Ctrl-C stops everything') && Date.now() < ready) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain('Ctrl-C stops everything');
      expect(output).toMatch(/ {2}dynalite {9}http:\/\/127\.0\.0\.1:\d+ {3}data in .*cli-data\/dynalite/);
      expect(output).toContain(DYNALITE_TTL_NOTE);
      expect(output).not.toContain('Java 17+ not found'); // asked for, so no fallback notice

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('stopped.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
