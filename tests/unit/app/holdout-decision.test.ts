import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../../functions/app/ports.ts';
import { isHeldOut } from '../../../functions/core/effect/holdout.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aCustomer, anEvent, aRule, at, settings } from '../../support/factories.ts';

/** The documented membership, written out independently: first 8 bytes of SHA-256 over 2^64. */
function oracleHeldOut(ruleId: string, customerId: string, share: number): boolean {
  const digest = createHash('sha256').update(`${ruleId}\0${customerId}`).digest();
  const position = Number(digest.readBigUInt64BE(0)) / 2 ** 64;
  return position < share;
}

const rule = aRule({
  id: 'invoice-reminder',
  holdout: '50%',
  dedupe: { key: '{{ detail.invoiceId }}' },
  goal: { on: { 'detail-type': ['PaymentReceived'] }, key: 'detail.invoiceId', within: 'P7D' },
});

/** The first customer ids `cust-0…` the oracle puts in (`true`) or out of the holdout. */
function customerIn(heldOut: boolean): string {
  for (let index = 0; ; index++) {
    if (oracleHeldOut(rule.id, `cust-${index}`, 0.5) === heldOut) return `cust-${index}`;
  }
}

function setup() {
  const stores = createMemoryStores();
  const scheduled: string[] = [];
  const scheduler: SendScheduler = {
    schedule: async (messageId) => {
      scheduled.push(messageId);
    },
    cancel: async () => {},
  };
  const deps = {
    ...stores,
    scheduler,
    clock: { now: () => at('2026-11-23T09:00:00Z') },
    settings: settings(),
    rules: compileRuleSet([rule]),
  };
  return { stores, scheduled, deps };
}

describe('holdout: membership and the held-out decision', () => {
  it('membership follows the documented hash, about the share asked for, the same on every call', () => {
    const ids = Array.from({ length: 4000 }, (_, index) => `cust-${index}`);

    const held = ids.filter((id) => isHeldOut(rule.id, id, 0.5));

    expect(ids.every((id) => isHeldOut(rule.id, id, 0.5) === oracleHeldOut(rule.id, id, 0.5))).toBe(true);
    expect(held.length / ids.length).toBeGreaterThan(0.46);
    expect(held.length / ids.length).toBeLessThan(0.54);
    expect(ids.filter((id) => isHeldOut(rule.id, id, 0.1)).length / ids.length).toBeLessThan(0.13);
    expect(isHeldOut(rule.id, 'cust-0', undefined)).toBe(false);
  });

  it('a held-out customer gets a record as if sent, status held-out, never scheduled; the dedupe key is taken', async () => {
    const { stores, scheduled, deps } = setup();
    const customer = aCustomer({ id: customerIn(true) });

    const first = await evaluateEvent(anEvent({ detail: { invoiceId: 'INV-1', customer } }), deps);
    const repeat = await evaluateEvent(anEvent({ detail: { invoiceId: 'INV-1', customer } }), deps);

    expect(first.planned).toEqual([expect.objectContaining({ outcome: 'held-out', reason: 'holdout' })]);
    const record = await stores.messages.getMessage(first.planned[0]?.messageId ?? '');
    expect(record).toMatchObject({
      status: 'held-out',
      reason: 'holdout',
      channel: 'sms',
      sendAt: '2026-11-23T09:00:00.000Z',
      detail: 'holdout 50%: would send template test-template by sms at 2026-11-23T09:00:00.000Z',
    });
    expect(scheduled).toEqual([]);
    expect(repeat.planned).toEqual([expect.objectContaining({ outcome: 'duplicate' })]);
  });

  it('a customer outside the holdout is scheduled as before', async () => {
    const { scheduled, deps } = setup();

    const result = await evaluateEvent(
      anEvent({ detail: { invoiceId: 'INV-2', customer: aCustomer({ id: customerIn(false) }) } }),
      deps,
    );

    expect(result.planned).toEqual([expect.objectContaining({ outcome: 'scheduled' })]);
    expect(scheduled).toEqual([result.planned[0]?.messageId]);
  });
});
