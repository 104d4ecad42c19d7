import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// Goals, holdouts and the lift report end to end, through `npm start`'s runtime (DynamoDB Local,
// the PutEvents endpoint, the Twilio sandbox): 300 customers get an overdue-invoice event; the
// rule holds half of them out. The test itself decides who pays, from who it saw receive an SMS
// in the sandbox (70 % of them, 30 % of the others), and compares the report with its own count.
const CUSTOMERS = 300;

const FIXTURE: Record<string, string> = {
  'rules/invoice-reminder.yaml': `id: invoice-reminder
description: Remind about an overdue invoice; did it get paid sooner?
on: { source: [acme.billing], detail-type: [InvoiceOverdue] }
send: immediately
window: always
channels: [sms]
template: invoice-reminder
holdout: 50%
goal:
  on: { source: [acme.billing], detail-type: [PaymentReceived] }
  key: detail.invoiceId
  within: P7D
`,
  'templates/invoice-reminder/en.sms.liquid': 'Invoice {{ detail.invoiceId }} is overdue.\n',
  'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\ncap:\n  max: 10\n  per: P1D\n',
};

let project: string;
let runtime: LocalRuntime;
let bus: EventBridgeClient;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nudge-lift-'));
  mkdirSync(join(project, 'examples', 'events'), { recursive: true });
  for (const [file, text] of Object.entries(FIXTURE)) {
    mkdirSync(join(project, file, '..'), { recursive: true });
    writeFileSync(join(project, file), text);
  }
  runtime = await startLocalRuntime({
    projectDir: project,
    demo: false,
    watch: false,
    ports: { console: 0, events: 0 },
  });
  bus = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}, 120_000);

afterAll(async () => {
  bus?.destroy();
  await runtime?.stop();
  rmSync(project, { recursive: true, force: true });
});

async function put(entries: PutEventsRequestEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 10) {
    const answer = await bus.send(new PutEventsCommand({ Entries: entries.slice(start, start + 10) }));
    expect(answer.FailedEntryCount).toBe(0);
  }
}

const phoneOf = (index: number) => `+46701${String(index).padStart(6, '0')}`;

/** A fixed-seed generator (mulberry32), so the test pays the same way on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const Group = z.object({ decisions: z.number(), conversions: z.number(), rate: z.number() });
const Effect = z.object({
  ruleId: z.literal('invoice-reminder'),
  goal: z.object({
    kind: z.literal('lift'),
    sent: Group,
    heldOut: Group,
    absolute: z.object({ lift: z.number(), low: z.number(), high: z.number() }),
    relative: z.number(),
    method: z.string(),
  }),
});

describe('holdout and lift, end to end', () => {
  it('messaged customers who pay more often show a positive lift whose interval excludes 0, with the counts the test made', async () => {
    // Arrange: every customer's invoice goes overdue.
    await put(
      Array.from({ length: CUSTOMERS }, (_, index) => ({
        Source: 'acme.billing',
        DetailType: 'InvoiceOverdue',
        Detail: JSON.stringify({
          invoiceId: `INV-${index}`,
          customer: {
            id: `cust-${index}`,
            phone: phoneOf(index),
            locale: 'en',
            timeZone: 'Europe/Stockholm',
          },
        }),
      })),
    );
    await runtime.settle();
    const messaged = new Set(runtime.twilio.messages().map((sms) => sms.to));

    // Act: who pays is decided here, from what the sandbox received.
    const draw = random(20261205);
    const counted = { sent: { decisions: 0, conversions: 0 }, heldOut: { decisions: 0, conversions: 0 } };
    const payments: PutEventsRequestEntry[] = [];
    for (let index = 0; index < CUSTOMERS; index++) {
      const group = messaged.has(phoneOf(index)) ? counted.sent : counted.heldOut;
      group.decisions++;
      if (draw() >= (group === counted.sent ? 0.7 : 0.3)) continue;
      group.conversions++;
      const payment = {
        Source: 'acme.billing',
        DetailType: 'PaymentReceived',
        Detail: JSON.stringify({ invoiceId: `INV-${index}`, customerId: `cust-${index}` }),
      };
      // Some payments are reported twice: a duplicate converts nothing more.
      payments.push(payment, ...(index % 5 === 0 ? [payment] : []));
    }
    await put(payments);
    await runtime.settle();
    const response = await fetch(`${runtime.urls.console}/api/rules/invoice-reminder/effect`);

    // Assert
    expect(response.status).toBe(200);
    const effect = Effect.parse(await response.json());
    // Both groups are real: roughly half held out (a 50 % holdout of 300 customers).
    expect(counted.sent.decisions).toBeGreaterThan(100);
    expect(counted.heldOut.decisions).toBeGreaterThan(100);
    expect(effect.goal.sent).toMatchObject(counted.sent);
    expect(effect.goal.heldOut).toMatchObject(counted.heldOut);
    expect(effect.goal.absolute.lift).toBeCloseTo(
      counted.sent.conversions / counted.sent.decisions -
        counted.heldOut.conversions / counted.heldOut.decisions,
      10,
    );
    expect(effect.goal.absolute.low).toBeGreaterThan(0);
    expect(effect.goal.absolute.high).toBeGreaterThan(effect.goal.absolute.lift);
    expect(effect.goal.method).toBe('newcombe-hybrid-score-95');
    // The held-out decisions are recorded, not sent.
    const held = await runtime.stores.queries.listMessages({ limit: 500 });
    expect(held.items.filter((record) => record.status === 'held-out')).toHaveLength(
      counted.heldOut.decisions,
    );

    const unknown = await fetch(`${runtime.urls.console}/api/rules/no-such-rule/effect`);
    expect(unknown.status).toBe(404);
  }, 240_000);
});
