import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import { runTimeline, startFrozenRuntime } from './support/runtime-driver.ts';
import { SUITE_TIMEOUT_MS, sized } from './support/scale.ts';

// Guarantee: any JSON the bus accepts is either recorded (a message with its decision exists) or
// rejected with a reason in the store — 100 %, on the real DynamoDB API (DynamoDB Local, not the
// memory store: the failures live in the marshaller and the item-size limit) — and no provider
// ever receives a second copy of one message, whatever the store refuses after the provider said
// yes. Inputs: valid fields of ~100–200 KB that a template renders (the `sent` write then
// carries them twice), and keys named `constructor`, `__proto__`, `toString`, … at any depth.
// The oracle reads the public surfaces: the customer's timeline, the rejected list, and the
// copies the sandboxes accepted per recipient address (unique per input).
const SEED = 20_270_901;
const INPUTS = sized(18, 200);
const START = DateTime.fromISO('2027-02-02T09:00:00Z', { zone: 'utc' });
/** What EventBridge accepts for one entry. */
const BUS_LIMIT_BYTES = 256 * 1024;
const TRICKY_KEYS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
] as const;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startFrozenRuntime(START);
}, 120_000);

afterAll(async () => runtime?.stop());

interface BadInput {
  kind: 'oversize' | 'tricky key';
  /** The JSON text as the bus would carry it. */
  json: string;
  eventId: string;
  customerId: string;
  address: string;
}

/** `{"a":{"b":…{key: leaf}}}` as JSON text: `__proto__` stays an own key only when parsed. */
function nestedJson(path: ReadonlyArray<string>, leaf: string): string {
  return path.reduceRight((inner, key) => `{${JSON.stringify(key)}:${inner}}`, leaf);
}

function inputArb(): fc.Arbitrary<BadInput> {
  const n = fc.integer({ min: 1, max: 1_000_000_000 });
  const oversize = fc
    .record({
      n,
      size: fc.integer({ min: 100_000, max: 200_000 }),
      type: fc.constantFrom('EmailReceived', 'CallbackBooked'),
      field: fc.constantFrom('subject', 'caseId'),
    })
    .map(({ n: id, size, type, field }): BadInput => {
      const customerId = `cust-big-${id}`;
      const address = type === 'EmailReceived' ? `big-${id}@example.se` : phoneFor(id);
      const detail: Record<string, unknown> = baseDetail(type, id, customerId, address);
      detail[field] = 'Å'.repeat(Math.floor(size / 2)); // 2 bytes each in UTF-8
      return {
        kind: 'oversize',
        json: JSON.stringify(envelope(type, `ev-big-${id}`, detail)),
        eventId: `ev-big-${id}`,
        customerId,
        address,
      };
    });
  const tricky = fc
    .record({
      n,
      key: fc.constantFrom(...TRICKY_KEYS),
      depth: fc.integer({ min: 0, max: 6 }),
      where: fc.constantFrom('detail', 'customer', 'array'),
      type: fc.constantFrom('EmailReceived', 'CallbackBooked'),
      leaf: fc.constantFrom('"x"', '{}', '{"a":1}', '[1,{"b":2}]', 'null', '42'),
    })
    .map(({ n: id, key, depth, where, type, leaf }): BadInput => {
      const customerId = `cust-key-${id}`;
      const address = type === 'EmailReceived' ? `key-${id}@example.se` : phoneFor(id);
      const detail = JSON.stringify(baseDetail(type, id, customerId, address));
      const path = [...Array.from({ length: depth }, (_, level) => `l${level}`), key];
      const nested = nestedJson(path, leaf);
      // Spliced into the JSON text, so the key survives as an own property when parsed.
      const spliced =
        where === 'detail'
          ? `${detail.slice(0, -1)},"extra":${nested}}`
          : where === 'customer'
            ? detail.replace('"customer":{', `"customer":{"prefs":${nested},`)
            : `${detail.slice(0, -1)},"items":[${nested},${nested}]}`;
      const eventId = `ev-key-${id}`;
      return {
        kind: 'tricky key',
        json: JSON.stringify(envelope(type, eventId, {})).replace('"detail":{}', `"detail":${spliced}`),
        eventId,
        customerId,
        address,
      };
    });
  return fc.oneof(oversize, tricky);
}

function phoneFor(id: number): string {
  return `+4670${String(2_000_000 + (id % 7_000_000)).padStart(7, '0')}`;
}

function baseDetail(type: string, id: number, customerId: string, address: string): Record<string, unknown> {
  const customer = {
    id: customerId,
    firstName: 'Bo',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
    ...(address.includes('@') ? { email: address } : { phone: address }),
  };
  return type === 'EmailReceived'
    ? { channel: 'email', caseId: `K-${id}`, subject: 'Fråga', receivedAt: START.toISO(), customer }
    : { callbackId: `CB-${id}`, caseId: `K-${id}`, callbackAt: START.plus({ hours: 3 }).toISO(), customer };
}

function envelope(type: string, id: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id,
    'detail-type': type,
    source: 'acme.contact-centre',
    account: '111122223333',
    time: START.toISO(),
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

describe('4b oversize and constructor inputs on DynamoDB', () => {
  it(
    'every ~140 KB field and every constructor/__proto__/toString key is recorded or rejected with a reason, and no provider gets a second copy',
    async ({ task }) => {
      // Arrange
      console.info(`oversize and constructor: seed ${SEED}`);
      expect(runtime.dynamodbEngine).toBe('dynamodb-local');
      const inputs = fc
        .sample(inputArb(), { seed: SEED, numRuns: INPUTS })
        .filter((input) => Buffer.byteLength(input.json, 'utf8') <= BUS_LIMIT_BYTES);
      // Both kinds, both channels, always (the sample is fixed by the seed; this says so).
      expect(inputs.filter((input) => input.kind === 'oversize').length).toBeGreaterThanOrEqual(4);
      expect(inputs.filter((input) => input.kind === 'tricky key').length).toBeGreaterThanOrEqual(4);
      const crashed: string[] = [];

      // Act
      for (const input of inputs) {
        try {
          await runtime.evaluate(JSON.parse(input.json));
        } catch (error) {
          // What a Lambda would do: the record goes back to the queue, then to the DLQ.
          crashed.push(`${input.eventId}: ${String(error).slice(0, 120)}`);
        }
        await runtime.drain();
      }
      // Retries and redeliveries run their course on the moving clock.
      await runTimeline(runtime, []);
      await runtime.settle();

      // Assert
      const rejected = await runtime.stores.queries.listRejected(10_000);
      const verdicts: Array<{ input: BadInput; recorded: boolean; rejected: boolean }> = [];
      for (const input of inputs) {
        const timeline = await runtime.stores.queries.customerTimeline(input.customerId, 10);
        const message = timeline.messages.find((record) => record.trigger.id === input.eventId);
        const rejection = rejected.find((record) => record.eventId === input.eventId);
        verdicts.push({
          input,
          recorded: message !== undefined,
          rejected: rejection !== undefined && rejection.reason.trim() !== '',
        });
      }
      // Copies per (address, Nudge message id as the provider received it): one event may
      // rightly start two messages (a callback confirmation, then its late-callback apology), but
      // one message must reach the provider once.
      const copiesOf = new Map<string, number>();
      const count = (address: string, messageId: string) => {
        const key = `${address} ${messageId}`;
        copiesOf.set(key, (copiesOf.get(key) ?? 0) + 1);
      };
      for (const sms of runtime.twilio.messages())
        if (sms.direction === 'outbound-api')
          count(sms.to, new URL(sms.statusCallback ?? 'http://x/').searchParams.get('messageId') ?? '?');
      for (const email of runtime.sendgrid.messages())
        for (const recipient of email.recipients) count(recipient.email, email.customArgs.messageId ?? '?');
      const copiesTo = new Map<string, number>();
      for (const [key, copies] of copiesOf) {
        const address = key.split(' ')[0] ?? '';
        copiesTo.set(address, Math.max(copiesTo.get(address) ?? 0, copies));
      }
      const duplicated = inputs.filter((input) => (copiesTo.get(input.address) ?? 0) > 1);
      const extraCopies = [...copiesOf.values()].reduce((sum, copies) => sum + Math.max(0, copies - 1), 0);
      const lost = verdicts.filter((verdict) => !verdict.recorded && !verdict.rejected);
      const share = (kind: BadInput['kind']) => {
        const mine = verdicts.filter((verdict) => verdict.input.kind === kind);
        const ok = mine.filter((verdict) => verdict.recorded || verdict.rejected).length;
        return `${ok}/${mine.length} (${mine.length === 0 ? 100 : Math.floor((ok / mine.length) * 100)} %)`;
      };
      recordFigures(task, {
        suite: '4b oversize and constructor inputs (DynamoDB Local)',
        seed: SEED,
        injected: cells([
          [
            'fields of 100–200 KB a template renders',
            verdicts.filter((v) => v.input.kind === 'oversize').length,
          ],
          [
            `keys ${TRICKY_KEYS.join('/')} at depth 0–6`,
            verdicts.filter((v) => v.input.kind === 'tricky key').length,
          ],
        ]),
        observed: cells([
          ['oversize recorded or rejected', share('oversize')],
          ['constructor-like keys recorded or rejected', share('tricky key')],
          ['evaluate crashed (would go to the DLQ)', crashed.length],
          ['provider copies beyond the first', extraCopies],
        ]),
        key: [
          { figure: 'oversize inputs recorded or rejected', value: share('oversize'), target: '100 %' },
          {
            figure: 'constructor/__proto__ inputs recorded or rejected',
            value: share('tricky key'),
            target: '100 %',
          },
          {
            figure: 'provider copies beyond the first (bad inputs)',
            value: String(extraCopies),
            target: '0',
          },
        ],
      });
      expect(crashed).toEqual([]);
      expect(lost.map((verdict) => `${verdict.input.kind} ${verdict.input.eventId}`)).toEqual([]);
      expect(
        duplicated.map((input) => `${input.address}: ${copiesTo.get(input.address)} copies of one message`),
      ).toEqual([]);
      expect(runtime.deadLetters()).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );
});
