// A newcomer's first minutes against `npm start`: the README's put-events line with the shipped
// entries file, and replying as a customer from the console API, including from a number Nudge
// never messaged (refused with 422, except STOP, START and HELP, which act on the number itself).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// What `aws events put-events --entries file://…` reads: a JSON list of PutEventsRequestEntry,
// whose Detail is a JSON object written as a string.
const EntriesFile = z.array(
  z.strictObject({
    Source: z.string().min(1),
    DetailType: z.string().min(1),
    Detail: z.string(),
    Resources: z.array(z.string()).optional(),
    EventBusName: z.string().optional(),
  }),
);

let runtime: LocalRuntime;
const dataDir = mkdtempSync(join(tmpdir(), 'nudge-first-steps-'));

beforeAll(async () => {
  runtime = await startLocalRuntime({
    projectDir: process.cwd(),
    dataDir,
    dynamodb: 'dynalite',
    demo: false,
    watch: false,
    ports: { console: 0, events: 0 },
  });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function reply(from: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${runtime.urls.console}/api/replies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, body }),
  });
  return { status: response.status, json: await response.json() };
}

describe('examples/put-events-entries.json', () => {
  const entries = EntriesFile.parse(JSON.parse(readFileSync('examples/put-events-entries.json', 'utf8')));

  it('is a PutEvents entries list whose details are JSON objects with times in the future', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const detail: unknown = JSON.parse(entry.Detail);
      expect(detail).toEqual(expect.objectContaining({ customer: expect.any(Object) }));
      // Every date in the detail is ahead of today, so a reminder is planned, not skipped as late.
      for (const value of Object.values(detail as Record<string, unknown>)) {
        if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value))
          expect(DateTime.fromISO(value) > DateTime.now(), value).toBe(true);
      }
    }
  });

  it('puts its events on the local bus: a confirmation is sent and a reminder planned', async () => {
    const bus = new EventBridgeClient({
      endpoint: runtime.urls.events,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const answer = await bus.send(new PutEventsCommand({ Entries: entries }));
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries?.map((entry) => entry.EventId)).toEqual(entries.map(() => expect.any(String)));
    await runtime.settle();

    const callback = JSON.parse(
      entries.find((entry) => entry.DetailType === 'CallbackBooked')?.Detail ?? '{}',
    );
    const sms = runtime.twilio.messages().filter((message) => message.to === callback.customer.phone);
    expect(sms.map((message) => message.direction)).toEqual(['outbound-api']);
    expect(sms[0]?.body).toContain(callback.caseId);
    const { messages } = await runtime.stores.queries.customerTimeline(callback.customer.id, 10);
    const renewal = messages.find((message) => message.ruleId === 'renewal-reminder');
    expect(renewal?.status).toBe('scheduled');
    expect(DateTime.fromISO(renewal?.sendAt ?? '') > DateTime.now()).toBe(true);
  });
});

describe('POST /api/replies', () => {
  const stranger = '+46709990001';

  it('refuses with 422 a reply from a number Nudge never messaged', async () => {
    const result = await reply(stranger, 'JA');
    expect(result.status).toBe(422);
    expect(result.json).toEqual({
      error: { code: 'reply-rejected', message: expect.stringContaining(`no SMS was sent to ${stranger}`) },
    });
    // Nothing was recorded or answered.
    expect(runtime.twilio.messages().filter((message) => message.to === stranger)).toEqual([]);
  });

  it('acts on the number itself for STOP, and says so', async () => {
    const result = await reply(stranger, 'STOP');
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ ok: true, note: expect.stringMatching(/STOP acted on the number itself/) });
    const suppression = await fetch(
      `${runtime.urls.console}/api/suppressions/sms/${encodeURIComponent(stranger)}`,
    );
    expect(suppression.status).toBe(200);
    expect(await suppression.json()).toMatchObject({ suppressed: true });
  });

  it('answers HELP from an unknown number too', async () => {
    const result = await reply('+46709990002', 'HELP');
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ ok: true, note: expect.stringMatching(/HELP acted on the number itself/) });
  });
});
