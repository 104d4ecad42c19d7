/**
 * The ONE behavioural contract of {@link SuppressionStore}, run against every implementation
 * (memory in the unit tier, DynamoDB Local in the integration tier, dynalite in its own), so the
 * simulator and unit tests see the semantics production has: one conditional write per
 * decision, idempotent per `source`, lifts refused when stale, instants compared as instants.
 *
 * Every test gets a fresh, empty store from `makeStore`.
 */
import { describe, expect, test } from 'vitest';
import type { SuppressionStore } from '../../functions/app/ports/suppressions.ts';

const NUMBER = '+46701234567';
const STOP_AT = '2026-11-23T10:00:00.000Z';

/** A STOP reply from Anna's number. */
function stop(overrides: Partial<Parameters<SuppressionStore['suppress']>[0]> = {}) {
  return {
    channel: 'sms' as const,
    address: NUMBER,
    reason: 'stop-reply' as const,
    source: 'reply:SM-stop',
    at: STOP_AT,
    customerId: 'cust-anna',
    ...overrides,
  };
}

/** Runs the suppression store contract against a store factory. */
export function describeSuppressionStoreContract(
  name: string,
  makeStore: () => Promise<SuppressionStore>,
): void {
  describe(`SuppressionStore contract: ${name}`, () => {
    test('an address never suppressed has no entry; a lift of it has nothing to lift', async () => {
      const store = await makeStore();

      const entry = await store.get('sms', NUMBER);
      const lifted = await store.lift({
        channel: 'sms',
        address: NUMBER,
        source: 'reply:SM-start',
        at: STOP_AT,
      });

      expect(entry).toBeUndefined();
      expect(lifted).toBe('not-suppressed');
      expect(await store.get('sms', NUMBER)).toBeUndefined(); // a refused lift writes nothing
    });

    test('a suppression is kept with its reason, source, time, customer and history', async () => {
      const store = await makeStore();

      const result = await store.suppress(stop());

      expect(result).toBe('applied');
      expect(await store.get('sms', NUMBER)).toEqual({
        channel: 'sms',
        address: NUMBER,
        suppressed: true,
        reason: 'stop-reply',
        source: 'reply:SM-stop',
        at: STOP_AT,
        customerId: 'cust-anna',
        history: [{ at: STOP_AT, suppressed: true, reason: 'stop-reply', source: 'reply:SM-stop' }],
      });
    });

    test('a replay of the same statement is a duplicate and changes nothing', async () => {
      const store = await makeStore();
      await store.suppress(stop());
      const before = await store.get('sms', NUMBER);

      const again = await store.suppress(stop({ at: '2026-11-23T10:05:00.000Z' }));

      expect(again).toBe('duplicate');
      expect(await store.get('sms', NUMBER)).toEqual(before);
    });

    test('another statement while suppressed is recorded in the history, the entry stays as it was', async () => {
      const store = await makeStore();
      await store.suppress(stop());

      const second = await store.suppress(
        stop({ reason: 'carrier-opt-out', source: 'provider:21610:m-2', at: '2026-11-23T11:00:00.000Z' }),
      );

      const entry = await store.get('sms', NUMBER);
      expect(second).toBe('already-suppressed');
      expect(entry).toMatchObject({
        suppressed: true,
        reason: 'stop-reply',
        source: 'reply:SM-stop',
        at: STOP_AT,
      });
      expect(entry?.history.map((change) => change.source)).toEqual(['reply:SM-stop', 'provider:21610:m-2']);
    });

    test('a START lifts it once; the entry is kept, lifted, with its customer', async () => {
      const store = await makeStore();
      await store.suppress(stop());
      const start = {
        channel: 'sms' as const,
        address: NUMBER,
        source: 'reply:SM-start',
        at: '2026-11-23T11:00:00.000Z',
      };

      const lifted = await store.lift(start);
      const replayed = await store.lift({ ...start, at: '2026-11-23T11:01:00.000Z' });

      expect([lifted, replayed]).toEqual(['applied', 'duplicate']);
      expect(await store.get('sms', NUMBER)).toEqual({
        channel: 'sms',
        address: NUMBER,
        suppressed: false,
        reason: 'stop-reply',
        source: 'reply:SM-start',
        at: '2026-11-23T11:00:00.000Z',
        customerId: 'cust-anna',
        history: [
          { at: STOP_AT, suppressed: true, reason: 'stop-reply', source: 'reply:SM-stop' },
          { at: '2026-11-23T11:00:00.000Z', suppressed: false, source: 'reply:SM-start' },
        ],
      });
      expect(
        await store.lift({
          channel: 'sms',
          address: NUMBER,
          source: 'reply:SM-start-2',
          at: '2026-11-23T12:00:00.000Z',
        }),
      ).toBe('not-suppressed');
    });

    test('a lift older than the suppression is stale: instants compare as instants, not as text', async () => {
      const store = await makeStore();
      await store.suppress(stop());

      // 10:30+01:00 is 09:30Z: half an hour BEFORE the STOP, though it sorts after it as text.
      const stale = await store.lift({
        channel: 'sms',
        address: NUMBER,
        source: 'reply:SM-early-start',
        at: '2026-11-23T10:30:00+01:00',
      });
      // 11:30+01:00 is 10:30Z: after it.
      const fresh = await store.lift({
        channel: 'sms',
        address: NUMBER,
        source: 'reply:SM-late-start',
        at: '2026-11-23T11:30:00+01:00',
      });

      expect([stale, fresh]).toEqual(['stale', 'applied']);
      expect(await store.get('sms', NUMBER)).toMatchObject({
        suppressed: false,
        source: 'reply:SM-late-start',
        at: '2026-11-23T10:30:00.000Z',
      });
    });

    test('a new STOP after a START suppresses again, keeping the customer it was known for', async () => {
      const store = await makeStore();
      await store.suppress(stop());
      await store.lift({
        channel: 'sms',
        address: NUMBER,
        source: 'reply:SM-start',
        at: '2026-11-23T11:00:00.000Z',
      });

      const again = await store.suppress(
        stop({ source: 'reply:SM-stop-2', at: '2026-11-23T12:00:00.000Z', customerId: undefined }),
      );

      expect(again).toBe('applied');
      expect(await store.get('sms', NUMBER)).toMatchObject({
        suppressed: true,
        source: 'reply:SM-stop-2',
        customerId: 'cust-anna',
      });
      expect((await store.get('sms', NUMBER))?.history).toHaveLength(3);
    });

    test('a suppression without a customer (a number nobody is known by) is kept without one', async () => {
      const store = await makeStore();

      await store.suppress(stop({ customerId: undefined }));

      const entry = await store.get('sms', NUMBER);
      expect(entry?.suppressed).toBe(true);
      expect(entry !== undefined && 'customerId' in entry).toBe(false);
    });

    test('channels are apart: suppressing an email address leaves the same text on SMS alone', async () => {
      const store = await makeStore();

      await store.suppress({
        channel: 'email',
        address: 'anna@example.se',
        reason: 'hard-bounce',
        source: 'sendgrid:sg-1',
        at: STOP_AT,
      });

      expect(await store.get('email', 'anna@example.se')).toMatchObject({
        suppressed: true,
        reason: 'hard-bounce',
      });
      expect(await store.get('sms', 'anna@example.se')).toBeUndefined();
    });

    test('list gives the entries of the addresses asked for, in that order, lifted ones included', async () => {
      const store = await makeStore();
      await store.suppress(stop());
      await store.suppress({
        channel: 'email',
        address: 'anna@example.se',
        reason: 'unsubscribe',
        source: 'sendgrid:sg-2',
        at: STOP_AT,
      });
      await store.lift({
        channel: 'email',
        address: 'anna@example.se',
        source: 'reopt-in:ev-1',
        at: '2026-11-24T10:00:00.000Z',
      });

      const listed = await store.list([
        { channel: 'email', address: 'anna@example.se' },
        { channel: 'sms', address: '+46709999999' },
        { channel: 'sms', address: NUMBER },
      ]);

      expect(listed.map((entry) => [entry.channel, entry.address, entry.suppressed])).toEqual([
        ['email', 'anna@example.se', false],
        ['sms', NUMBER, true],
      ]);
      expect(await store.list([])).toEqual([]);
    });

    test('two different STOPs at once: exactly one applies, both are in the history', async () => {
      const store = await makeStore();

      const results = await Promise.all([
        store.suppress(stop({ source: 'reply:SM-a' })),
        store.suppress(stop({ source: 'reply:SM-b', customerId: 'cust-lars' })),
      ]);

      expect([...results].sort()).toEqual(['already-suppressed', 'applied']);
      const entry = await store.get('sms', NUMBER);
      expect(entry?.history.map((change) => change.source).sort()).toEqual(['reply:SM-a', 'reply:SM-b']);
    });

    test('the same STOP twice at once: one applies, the other is a duplicate', async () => {
      const store = await makeStore();

      const results = await Promise.all([store.suppress(stop()), store.suppress(stop())]);

      expect([...results].sort()).toEqual(['applied', 'duplicate']);
      expect((await store.get('sms', NUMBER))?.history).toHaveLength(1);
    });
  });
}
