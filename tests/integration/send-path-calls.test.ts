/**
 * What one delivered SMS costs in DynamoDB calls, end to end on the local runtime (the production
 * use cases and handlers, DynamoDB Local, the Twilio sandbox with signed callbacks) on a fixture
 * project of its own. The oracle is the AWS SDK commands the DynamoDB client was asked to send,
 * counted by a middleware on it (tests/support/count-dynamodb-calls.ts), not the code's counters.
 *
 * Budget (issue 14): from the message due to its delivery report applied — the claim, the send
 * step's checks and writes, the provider's `sent` and `delivered` callbacks — at most 7 calls, of
 * which at most 4 write, on the plain path: an immediate, non-urgent rule under the frequency cap
 * (the cap is read and reserved), nothing held back. Held to 6 since the send step reads the
 * profile, the cap ledger and the planned addresses' suppressions in one BatchGetItem.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { countDynamoDbCalls, WRITE_OPERATIONS } from '../support/count-dynamodb-calls.ts';

const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' }); // 10:00 in Stockholm

const RULE = `id: calls-ping
description: Confirm a ping at once.
on:
  source: [acme.test]
  detail-type: [Ping]
send: immediately
window: always
channels: [sms]
template: calls-ping
examples:
  - detail: { ref: R-1 }
`;

/** Messages measured; each to its own customer, so no cap is ever reached. */
const MESSAGES = 4;

let project: string;
let runtime: LocalRuntime;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nudge-calls-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'calls-ping'), { recursive: true });
  writeFileSync(join(project, 'rules', 'calls-ping.yaml'), RULE);
  writeFileSync(join(project, 'templates', 'calls-ping', 'en.sms.liquid'), 'Ping {{ detail.ref }}\n');
  writeFileSync(join(project, 'nudge.config.yaml'), 'defaults:\n  locale: en\ncap:\n  max: 3\n  per: P1D\n');
  runtime = await startLocalRuntime({
    projectDir: project,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(project, { recursive: true, force: true });
});

function ping(n: number) {
  return {
    version: '0',
    id: `ev-calls-${n}`,
    'detail-type': 'Ping',
    source: 'acme.test',
    account: '111122223333',
    time: START.toISO(),
    region: 'eu-north-1',
    resources: [],
    detail: {
      ref: `R-${n}`,
      customer: {
        id: `cust-calls-${n}`,
        locale: 'en',
        timeZone: 'Europe/Stockholm',
        phone: `+4670200000${n}`,
      },
    },
  };
}

describe('DynamoDB calls per delivered SMS', () => {
  it('from due to delivered: at most 6 calls, at most 4 of them writes, on the plain path', async () => {
    const calls = countDynamoDbCalls(runtime.dynamoClient);
    let evaluated = 0;
    let sendPath = 0;
    let sendPathWrites = 0;
    const byOperation: Record<string, number> = {};
    for (let n = 1; n <= MESSAGES; n++) {
      // Planning alone first (the send request waits on the queue until the test drains it).
      calls.reset();
      const { planned } = await runtime.evaluate(ping(n));
      expect(planned).toHaveLength(1);
      evaluated += calls.total();
      calls.reset();
      await runtime.settle();
      sendPath += calls.total();
      sendPathWrites += calls.writes();
      for (const [operation, count] of Object.entries(calls.counts()))
        byOperation[operation] = (byOperation[operation] ?? 0) + count;
    }
    calls.stop();

    // Every message was delivered, and its record went through the whole lifecycle.
    const sms = runtime.twilio.messages();
    expect(sms).toHaveLength(MESSAGES);
    expect(sms.every((message) => message.status === 'delivered')).toBe(true);
    for (let n = 1; n <= MESSAGES; n++) {
      const [message] = (await runtime.stores.queries.customerTimeline(`cust-calls-${n}`, 10)).messages;
      const record = await runtime.stores.messages.getMessage(message?.messageId ?? '');
      expect(record?.history.map((step) => step.status)).toEqual([
        'scheduled',
        'sending',
        'sent',
        'delivered',
      ]);
    }
    const perMessage = Object.fromEntries(
      Object.entries(byOperation).map(([operation, count]) => [operation, count / MESSAGES]),
    );
    console.info(
      `send path per delivered SMS: ${sendPath / MESSAGES} calls, ${sendPathWrites / MESSAGES} writes`,
      perMessage,
      `(evaluation before it: ${evaluated / MESSAGES} calls)`,
    );
    const writes = Object.entries(byOperation)
      .filter(([operation]) => WRITE_OPERATIONS.has(operation))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(writes).toBe(sendPathWrites);
    expect(byOperation.Scan ?? 0).toBe(0);
    expect(sendPath / MESSAGES).toBeLessThanOrEqual(6);
    expect(sendPathWrites / MESSAGES).toBeLessThanOrEqual(4);
  });
});
