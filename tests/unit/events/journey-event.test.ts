import { describe, expect, it } from 'vitest';
import { parseJourneyEvent } from '../../../functions/core/journey-event.ts';
import { anEvent } from '../../support/factories.ts';

function reasonOf(input: unknown): string | undefined {
  const parsed = parseJourneyEvent(input);
  return parsed.ok ? undefined : parsed.reason;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('parseJourneyEvent refuses what cannot be kept or sent, naming the field', () => {
  it('accepts a well-formed event', () => {
    expect(parseJourneyEvent(anEvent()).ok).toBe(true);
  });

  it.each([
    ['a time without a date', { time: '10:00' }, 'time: expected an ISO-8601 time with a date and an offset'],
    ['a year for a time', { time: '2027' }, 'time: expected an ISO-8601 time with a date and an offset'],
    ['a date-time without an offset', { time: '2027-02-01T10:00:00' }, 'time: expected an ISO-8601 time'],
  ])('%s', (_name, overrides, reason) => {
    expect(reasonOf({ ...anEvent(), ...overrides })).toContain(reason);
  });

  it('names the customer field at fault, as the published contract describes it', () => {
    expect(reasonOf(anEvent({ detail: { customer: { firstName: 'Anna' } } }))).toBe(
      'detail.customer.id: required',
    );
    expect(reasonOf(anEvent({ detail: { customer: { id: 'c', timeZone: 'Mars/Olympus' } } }))).toBe(
      'detail.customer.timeZone: not an IANA time zone such as Europe/Stockholm',
    );
    expect(reasonOf(anEvent({ detail: { customer: null } }))).toMatch(/^detail\.customer: /);
  });

  it('refuses nesting deeper than a message record can keep, without recursing (any depth)', () => {
    expect(reasonOf(anEvent({ detail: { x: nested(24) } }))).toBeUndefined();
    expect(reasonOf(anEvent({ detail: { x: nested(100_000) } }))).toMatch(
      /^detail\.x(\[0\])+: nested deeper than 24 levels$/,
    );
  });

  it('refuses lone surrogates in values and keys, and numbers a store cannot keep exactly', () => {
    expect(reasonOf(anEvent({ detail: { note: 'half \uD83D' } }))).toMatch(
      /^detail\.note: not valid Unicode/,
    );
    expect(reasonOf(anEvent({ detail: { 'k\uDC00': 1 } }))).toMatch(/^detail\.k\\uDC00: not valid Unicode/);
    expect(reasonOf(anEvent({ detail: JSON.parse('{"orderNo": 12345678901234567890}') }))).toMatch(
      /^detail\.orderNo: .* \(send it as a string\)$/,
    );
    expect(reasonOf(anEvent({ detail: { tiny: 1e-200 } }))).toMatch(/^detail\.tiny: .*too small/);
    expect(reasonOf(anEvent({ detail: { meta: { '': 1 } } }))).toMatch(/^detail\.meta: has an empty key/);
  });

  it('refuses an event larger than EventBridge carries', () => {
    expect(reasonOf(anEvent({ detail: { blob: 'x'.repeat(300_000) } }))).toMatch(
      /^\(event\): \d+ KB is more than the 256 KB/,
    );
  });
});
