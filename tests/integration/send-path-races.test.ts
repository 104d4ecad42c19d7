/**
 * The send path on DynamoDB Local, where the races and limits of issue 10 (holes 3–6) live: a
 * delivery report landing before `sent` is recorded, a lease that lapses mid-call, a record that
 * outgrows DynamoDB's 400 KB item limit after the provider accepted, and event detail with keys
 * the SDK's marshaller chokes on (`constructor`). The oracles are counts the test keeps itself:
 * what its own channels accepted, what its own publisher received.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { evaluateEvent } from '../../functions/app/evaluate-event.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type {
  ChannelSender,
  Clock,
  OutboundMessage,
  OutcomePublisher,
  SendReceipt,
  SendScheduler,
} from '../../functions/app/ports.ts';
import { recordProviderStatus } from '../../functions/app/record-provider-status.ts';
import { catalogRenderer } from '../../functions/app/render-factory.ts';
import { type SendDeps, sendMessage } from '../../functions/app/send-message.ts';
import { buildTemplateCatalog } from '../../functions/core/messages/template-catalog.ts';
import type { OutcomeEvent } from '../../functions/core/outcomes/outcome-events.ts';
import type { Rule } from '../../functions/core/rules/rule-schema.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aCustomer, anEvent, aProfile, aRule, settings } from '../support/factories.ts';
import { aMessageRecord } from '../support/store-contract-fixtures.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const doc = DynamoDBDocumentClient.from(client);
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

const START = '2026-11-23T09:00:00.000Z';
const ANNA_PHONE = '+46701234567';

/** A clock the test moves by hand. */
class MovableClock implements Clock {
  private current = DateTime.fromISO(START, { zone: 'utc' });
  now(): DateTime {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current = this.current.plus({ milliseconds });
  }
}

class NoScheduler implements SendScheduler {
  async schedule(): Promise<void> {}
  async cancel(): Promise<void> {}
}

class CollectingPublisher implements OutcomePublisher {
  readonly events: OutcomeEvent[] = [];
  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.events.push(...events);
  }
  types(): string[] {
    return this.events.map((event) => event.detailType).sort();
  }
}

/** A provider owned by the test: it counts every request and what it accepted. */
class TestProvider implements ChannelSender {
  readonly requests: OutboundMessage[] = [];
  readonly accepted: string[] = [];
  constructor(
    private readonly answer: (message: OutboundMessage, n: number) => Promise<SendReceipt> = async () => ({
      ok: true,
      providerId: 'SM-x',
    }),
  ) {}
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.requests.push(message);
    const receipt = await this.answer(message, this.requests.length);
    if (receipt.ok) this.accepted.push(receipt.providerId);
    return receipt;
  }
}

/** A promise the test resolves when it chooses. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function newStores(clock: Clock): Promise<Stores> {
  return (await newTable(clock)).stores;
}

async function newTable(clock: Clock): Promise<{ stores: Stores; tableName: string }> {
  const tableName = createTestTableName('send-path');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const stores = createDynamoStores({ tableName, client, clock });
  return { stores, tableName };
}

/**
 * Pads a message item with an attribute of the test's own until fewer than `spare` bytes are left
 * under DynamoDB's 400 KB item limit, found by asking DynamoDB Local itself (binary search on
 * the padding it still accepts).
 */
async function padItem(tableName: string, messageId: string, spare: number): Promise<void> {
  const pad = (length: number) =>
    doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { PK: `MSG#${messageId}`, SK: 'MSG' },
        UpdateExpression: 'SET #pad = :pad',
        ExpressionAttributeNames: { '#pad': 'testPadding' },
        ExpressionAttributeValues: { ':pad': 'x'.repeat(length) },
      }),
    );
  let fits = 0;
  let tooLarge = 400 * 1024;
  while (tooLarge - fits > 1) {
    const middle = Math.floor((fits + tooLarge) / 2);
    try {
      await pad(middle);
      fits = middle;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ValidationException')) throw error;
      tooLarge = middle;
    }
  }
  await pad(fits - spare);
}

const SMS_RULE = aRule({ id: 'renewal-reminder', window: 'always', channels: ['sms'] });

function deps(
  stores: Stores,
  clock: Clock,
  provider: ChannelSender,
  outcomes: OutcomePublisher,
  rule: Rule = SMS_RULE,
  render: SendDeps['render'] = () => () => ({
    ok: true,
    locale: 'sv',
    message: {
      channel: 'sms',
      text: 'Hej Anna, din försäkring förnyas snart.',
      encoding: 'UCS-2',
      segments: 1,
    },
  }),
): SendDeps {
  return {
    ...stores,
    scheduler: new NoScheduler(),
    clock,
    settings: settings({ cap: { max: 10, per: 'P1D' } }),
    rules: compileRuleSet([rule]),
    channels: { sms: provider, email: provider },
    render,
    outcomes,
    leaseMs: 60_000,
    random: () => 0.5,
  };
}

describe('hole 3: a delivery report racing the `sent` write', () => {
  test.each([
    { status: 'delivered', published: ['MessageDelivered', 'MessageSent'] },
    { status: 'undelivered', published: ['MessageFailed', 'MessageSent'] },
  ] as const)(
    'a $status report applied between the provider accepting and `sent` being recorded loses nothing',
    async ({ status, published }) => {
      // Arrange: the provider's callback is handled before the send step records `sent` (Twilio
      // calls back within a second; the send step's write can be slower than that).
      const clock = new MovableClock();
      const stores = await newStores(clock);
      await stores.profiles.putProfile(aProfile());
      await stores.messages.createMessage(aMessageRecord({ messageId: 'm-race', sendAt: START }));
      const outcomes = new CollectingPublisher();
      const provider = new TestProvider(async (message) => {
        await recordProviderStatus(
          {
            messageId: message.messageId,
            providerEventId: `SM-race:${status}`,
            status,
            at: '2026-11-23T09:00:01.000Z',
          },
          { ...stores, outcomes },
        );
        return { ok: true, providerId: 'SM-race' };
      });

      // Act
      const outcome = await sendMessage('m-race', deps(stores, clock, provider, outcomes));

      // Assert
      const record = await stores.messages.getMessage('m-race');
      expect(outcome.kind).toBe('sent');
      expect(record).toMatchObject({
        status,
        channel: 'sms',
        to: ANNA_PHONE,
        providerId: 'SM-race',
        sentAt: START,
      });
      expect(outcomes.types()).toEqual(published);
      // A reply (a STOP) from the number finds the message it answers.
      expect((await stores.messages.findLatestMessageTo(ANNA_PHONE))?.messageId).toBe('m-race');
    },
  );
});

describe('hole 4: a lease that lapses while the provider call runs', () => {
  test('a lapsed sender cannot put a message another sender claimed back to `scheduled`', async () => {
    // Arrange: sender A's request hangs past its lease and then fails (retryable); sender B has
    // claimed the message meanwhile and its request is accepted.
    const clock = new MovableClock();
    const stores = await newStores(clock);
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-lease', sendAt: START }));
    const outcomes = new CollectingPublisher();
    const aAnswer = gate<SendReceipt>();
    const bAnswer = gate<SendReceipt>();
    const bCalled = gate<undefined>();
    const aCalled = gate<undefined>();
    const provider = new TestProvider(async (_message, n) => {
      if (n === 1) {
        aCalled.open(undefined);
        return aAnswer.promise;
      }
      if (n === 2) {
        bCalled.open(undefined);
        return bAnswer.promise;
      }
      return { ok: true, providerId: `SM-${n}` };
    });
    const sendDeps = deps(stores, clock, provider, outcomes);

    // Act
    const a = sendMessage('m-lease', sendDeps);
    await aCalled.promise;
    clock.advance(61_000); // A's lease (60 s) lapses mid-call
    const b = sendMessage('m-lease', sendDeps);
    await bCalled.promise;
    aAnswer.open({ ok: false, retryable: true, code: 'http-503', detail: 'Service Unavailable' });
    await a;
    bAnswer.open({ ok: true, providerId: 'SM-b' });
    await b;
    // Whatever was scheduled runs (a retry after A's failure would be due within minutes).
    clock.advance(10 * 60_000);
    await sendMessage('m-lease', sendDeps);

    // Assert
    expect(provider.requests).toHaveLength(2);
    expect(provider.accepted).toEqual(['SM-b']);
    expect(await stores.messages.getMessage('m-lease')).toMatchObject({ status: 'sent', providerId: 'SM-b' });
    expect(outcomes.types()).toEqual(['MessageSent']);
  });

  test('a lapsed sender whose request went through does not overwrite the new claim (lost-answer policy)', async () => {
    // Arrange
    const clock = new MovableClock();
    const stores = await newStores(clock);
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-lease2', sendAt: START }));
    const outcomes = new CollectingPublisher();
    const aAnswer = gate<SendReceipt>();
    const aCalled = gate<undefined>();
    const provider = new TestProvider(async (_message, n) => {
      if (n === 1) {
        aCalled.open(undefined);
        return aAnswer.promise;
      }
      return { ok: true, providerId: `SM-${n}` };
    });
    const sendDeps = deps(stores, clock, provider, outcomes);

    // Act: A hangs past its lease; B claims and sends; then A's answer (accepted) arrives.
    const a = sendMessage('m-lease2', sendDeps);
    await aCalled.promise;
    clock.advance(61_000);
    const bOutcome = await sendMessage('m-lease2', sendDeps);
    aAnswer.open({ ok: true, providerId: 'SM-1' });
    const aOutcome = await a;

    // Assert: two requests went out (the documented price of a lapsed lease); the record is B's.
    expect(provider.accepted).toEqual(['SM-2', 'SM-1']);
    expect(bOutcome.kind).toBe('sent');
    expect(aOutcome).toMatchObject({ kind: 'skipped', why: 'lease-lost' });
    const record = await stores.messages.getMessage('m-lease2');
    expect(record).toMatchObject({ status: 'sent', providerId: 'SM-2', attempts: 2 });
    expect(record?.history.filter((change) => change.status === 'sent')).toHaveLength(1);
    expect(outcomes.types()).toEqual(['MessageSent']);
  });
});

/** Delivers a send request like SQS would: again after the visibility timeout while it throws. */
async function deliverUntilDone(messageId: string, sendDeps: SendDeps, clock: MovableClock): Promise<number> {
  let failures = 0;
  for (let receive = 1; receive <= 5; receive++) {
    try {
      await sendMessage(messageId, sendDeps);
      return failures;
    } catch {
      failures++;
      clock.advance(180_000); // the send queue's visibility timeout, past the lease
    }
  }
  return failures;
}

const EMAIL_RULE = aRule({
  id: 'case-update',
  window: 'always',
  channels: ['email'],
  template: 'case-update',
});

function emailRenderer(body: string): SendDeps['render'] {
  const { catalog, issues } = buildTemplateCatalog({
    'case-update/sv.email.liquid': `subject: Ditt ärende\n--- text\nHej {{ customer.firstName }},\n\n${body}\n`,
  });
  expect(issues).toEqual([]);
  return catalogRenderer(catalog, settings());
}

describe('hole 5: a record too large to record after the provider accepted', () => {
  test('an event with a 140 KB field quoted by the email is held back with the field named, never sent', async () => {
    // Arrange: valid on the bus (EventBridge takes 256 KB); the template quotes the field.
    const clock = new MovableClock();
    const stores = await newStores(clock);
    const outcomes = new CollectingPublisher();
    const provider = new TestProvider(async (_message, n) => ({ ok: true, providerId: `sg-${n}` }));
    const sendDeps = deps(stores, clock, provider, outcomes, EMAIL_RULE, emailRenderer('{{ detail.notes }}'));
    const event = anEvent({
      id: 'ev-big',
      detail: { customer: aCustomer(), notes: 'Anteckning. '.repeat(12_000) },
    });

    // Act
    const evaluated = await evaluateEvent(event, {
      ...stores,
      ...sendDeps,
      rules: compileRuleSet([EMAIL_RULE]),
    });
    const messageId = evaluated.planned[0]?.messageId ?? '';
    const failures = await deliverUntilDone(messageId, sendDeps, clock);

    // Assert
    const record = await stores.messages.getMessage(messageId);
    expect(failures).toBe(0);
    expect(provider.requests).toHaveLength(0);
    expect(record?.trigger.trimmed).toEqual(['detail.notes']);
    expect(record).toMatchObject({ status: 'suppressed', reason: 'template-error' });
    expect(record?.detail).toContain('detail.notes');
  });

  test('a rendered email over the size limit is held back as too-large and recorded, never sent', async () => {
    // Arrange: a 60 KB field (kept in the record) quoted four times by the template.
    const clock = new MovableClock();
    const stores = await newStores(clock);
    const outcomes = new CollectingPublisher();
    const provider = new TestProvider(async (_message, n) => ({ ok: true, providerId: `sg-${n}` }));
    const sendDeps = deps(
      stores,
      clock,
      provider,
      outcomes,
      EMAIL_RULE,
      emailRenderer('{{ detail.notes }}\n{{ detail.notes }}\n{{ detail.notes }}\n{{ detail.notes }}'),
    );
    const event = anEvent({
      id: 'ev-wide',
      detail: { customer: aCustomer(), notes: 'Rad. '.repeat(12_000) },
    });

    // Act
    const evaluated = await evaluateEvent(event, {
      ...stores,
      ...sendDeps,
      rules: compileRuleSet([EMAIL_RULE]),
    });
    const messageId = evaluated.planned[0]?.messageId ?? '';
    const failures = await deliverUntilDone(messageId, sendDeps, clock);

    // Assert
    expect(failures).toBe(0);
    expect(provider.requests).toHaveLength(0);
    expect(await stores.messages.getMessage(messageId)).toMatchObject({
      status: 'suppressed',
      reason: 'too-large',
    });
  });
});

describe('hole 5 (c): the `sent` write refused for size after the provider accepted', () => {
  test('falls back to a minimal `sent` record, and a redelivered request never sends again', async () => {
    // Arrange: the record grows (here: padded by the test) between the pre-send write and the
    // provider's answer, so the full `sent` write no longer fits DynamoDB's item limit.
    const clock = new MovableClock();
    const { stores, tableName } = await newTable(clock);
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-full', sendAt: START }));
    const outcomes = new CollectingPublisher();
    const provider = new TestProvider(async (message) => {
      await padItem(tableName, message.messageId, 5);
      return { ok: true, providerId: 'SM-full' };
    });
    const sendDeps = deps(stores, clock, provider, outcomes);

    // Act
    const outcome = await sendMessage('m-full', sendDeps);
    clock.advance(180_000);
    const redelivered = await sendMessage('m-full', sendDeps);

    // Assert
    expect(provider.requests).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: 'sent', providerId: 'SM-full', recorded: 'minimal' });
    expect(outcome.kind === 'sent' ? outcome.detail : '').toMatch(/item size/i);
    expect(redelivered).toMatchObject({ kind: 'skipped', why: 'already-handled' });
    const record = await stores.messages.getMessage('m-full');
    expect(record).toMatchObject({ status: 'sent', providerId: 'SM-full', channel: 'sms', to: ANNA_PHONE });
    expect(record?.trigger.trimmed).toEqual(['detail']);
    expect(outcomes.types()).toEqual(['MessageSent']);
  });
});

describe('hole 6: keys the DynamoDB marshaller takes for a class instance', () => {
  test('an event whose detail has `constructor`, `__proto__` and `toString` keys is recorded', async () => {
    // Arrange: JSON.parse makes own properties of them, as the Lambda runtime's parse does.
    const clock = new MovableClock();
    const stores = await newStores(clock);
    const event = JSON.parse(
      JSON.stringify(anEvent({ id: 'ev-keys', detail: { customer: aCustomer() } })).replace(
        '"detail":{',
        '"detail":{"constructor":{"name":"x"},"__proto__":{"polluted":true},"toString":"s","nested":{"a":{"constructor":1}},',
      ),
    );

    // Act
    const evaluated = await evaluateEvent(event, {
      ...stores,
      scheduler: new NoScheduler(),
      clock,
      settings: settings(),
      rules: compileRuleSet([SMS_RULE]),
    });

    // Assert
    const messageId = evaluated.planned[0]?.messageId ?? '';
    const record = await stores.messages.getMessage(messageId);
    expect(evaluated.rejected).toBeUndefined();
    expect(record?.trigger.id).toBe('ev-keys');
    expect(record?.trigger.detail).toMatchObject({
      constructor: { name: 'x' },
      toString: 's',
      nested: { a: { constructor: 1 } },
      customer: { id: 'cust-anna' },
    });
    // `__proto__` is dropped by the envelope's validation (zod builds a fresh object); nothing
    // anywhere inherits it.
    expect('polluted' in {}).toBe(false);
    expect(await stores.queries.listRejected(10)).toEqual([]);
  });

  test('tricky detail of every kind is either recorded or rejected with a reason, never thrown', async () => {
    // Arrange: JSON texts as a publisher might put them on the bus.
    const clock = new MovableClock();
    const stores = await newStores(clock);
    const customer = JSON.stringify(aCustomer());
    let deep = '"bottom"';
    for (let level = 0; level < 30; level++) deep = `{"l":${deep}}`;
    const details = [
      `{"customer":${customer},"constructor":{"prototype":{"x":1}}}`,
      `{"customer":${customer},"a":{"b":{"constructor":"c","hasOwnProperty":1,"valueOf":{}}}}`,
      `{"customer":${customer},"__proto__":{"isAdmin":true}}`,
      `{"customer":${customer},"deep":${deep}}`,
      `{"customer":${customer},"big":123456789012345678901234567890}`,
      `{"customer":${customer},"":"empty key"}`,
      `{"customer":${customer},"list":[{"constructor":[1,{"constructor":null}]}]}`,
    ];
    const envelope = (index: number, detail: string) =>
      `{"version":"0","id":"ev-tricky-${index}","detail-type":"Thing","source":"acme.test","time":"${START}","detail":${detail}}`;
    const evaluateDeps = {
      ...stores,
      scheduler: new NoScheduler(),
      clock,
      settings: settings(),
      rules: compileRuleSet([SMS_RULE]),
    };

    // Act
    const results = [];
    for (const [index, detail] of details.entries()) {
      results.push(await evaluateEvent(JSON.parse(envelope(index, detail)), evaluateDeps));
    }
    // Not an event at all (no id), with a `constructor` key: a rejection whose raw text is kept.
    const notAnEvent = await evaluateEvent(JSON.parse('{"detail":{"constructor":{"a":1}}}'), evaluateDeps);

    // Assert
    const rejected = await stores.queries.listRejected(50);
    for (const [index, result] of results.entries()) {
      if (result.rejected !== undefined) {
        expect(rejected.map((item) => item.eventId)).toContain(`ev-tricky-${index}`);
        continue;
      }
      const record = await stores.messages.getMessage(result.planned[0]?.messageId ?? '');
      expect(record?.trigger.id).toBe(`ev-tricky-${index}`);
    }
    // Refused by the envelope's validation, with the field named: nesting over 24 levels, a
    // number beyond 2^53, an empty key. Everything else is a valid event and is recorded.
    expect(results.map((result) => (result.rejected === undefined ? 'recorded' : 'rejected'))).toEqual([
      'recorded',
      'recorded',
      'recorded',
      'rejected',
      'rejected',
      'rejected',
      'recorded',
    ]);
    expect(notAnEvent.rejected).toBeDefined();
    expect(rejected.some((item) => item.raw.includes('"constructor"'))).toBe(true);
    expect(rejected).toHaveLength(4);
  });
});
