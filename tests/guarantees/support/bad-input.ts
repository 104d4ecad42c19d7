import fc from 'fast-check';
import type { DateTime } from 'luxon';

/**
 * Malformed journey events for the shipped rules, as fast-check arbitraries. Each case says what
 * it broke and what the engine must do with it: refuse the event naming a field, or accept it
 * and hold the message back with a reason (an invalid phone number is the customer's problem,
 * not the event's), or either (a mutation that may happen to stay valid).
 */
export interface BadEvent {
  kind: string;
  input: unknown;
  /** `reject:<path prefix>` — refused, the reason names this field; `accept`; `either`. */
  expect: `reject:${string}` | 'accept' | 'either';
}

const TRIGGERS = [
  {
    source: 'acme.contact-centre',
    type: 'CallbackBooked',
    detail: (n: number, at: DateTime) => ({
      callbackId: `Z-CB-${n}`,
      caseId: `Z-K-${n}`,
      callbackAt: at.plus({ hours: 3 }).toISO(),
    }),
    dateField: 'callbackAt',
  },
  {
    source: 'acme.bookings',
    type: 'AppointmentBooked',
    detail: (n: number, at: DateTime) => ({
      appointmentId: `Z-A-${n}`,
      location: 'Klinik Nord',
      appointmentAt: at.plus({ days: 2 }).toISO(),
    }),
    dateField: 'appointmentAt',
  },
  {
    source: 'acme.orders',
    type: 'OrderDispatched',
    detail: (n: number, at: DateTime) => ({
      orderId: `Z-O-${n}`,
      promisedDeliveryAt: at.plus({ hours: 5 }).toISO(),
    }),
    dateField: 'promisedDeliveryAt',
  },
  {
    source: 'acme.policy',
    type: 'PolicyRenewalScheduled',
    detail: (n: number, at: DateTime) => ({
      policyId: `Z-P-${n}`,
      policyNumber: `HEM-${n}`,
      renewalDate: at.plus({ days: 30 }).toISODate(),
      newPremium: 1200,
      currency: 'SEK',
    }),
    dateField: 'renewalDate',
  },
  {
    source: 'acme.contact-centre',
    type: 'EmailReceived',
    detail: (n: number, at: DateTime) => ({
      channel: 'email',
      caseId: `Z-K-${n}`,
      subject: 'Fråga',
      receivedAt: at.toISO(),
    }),
    dateField: 'receivedAt',
  },
  {
    source: 'acme.cases',
    type: 'CaseClosed',
    detail: (n: number) => ({ caseId: `Z-C-${n}`, resolution: 'resolved' }),
    dateField: 'closedAt',
  },
] as const;

/** Fields templates read, by trigger type: removing one makes the template fail at send time. */
const TEMPLATE_FIELDS: Readonly<Record<string, ReadonlyArray<string>>> = {
  CallbackBooked: ['callbackAt', 'caseId'],
  AppointmentBooked: ['location', 'appointmentAt'],
  OrderDispatched: ['orderId', 'promisedDeliveryAt'],
  PolicyRenewalScheduled: ['policyNumber', 'newPremium', 'currency', 'renewalDate'],
  EmailReceived: ['subject', 'caseId'],
  CaseClosed: ['caseId'],
};

const LONE = ['\uD83D', '\uDE00', '\uDBFF', '\uDC00'] as const;

/** A valid trigger for a fuzz customer; `n` keeps ids apart from any other stream. */
function validTrigger(
  n: number,
  at: DateTime,
): { event: Record<string, unknown>; dateField: string; type: string } {
  const trigger = TRIGGERS[n % TRIGGERS.length] ?? TRIGGERS[0];
  return {
    type: trigger.type,
    dateField: trigger.dateField,
    event: {
      version: '0',
      id: `ev-fuzz-${n}`,
      'detail-type': trigger.type,
      source: trigger.source,
      account: '111122223333',
      time: at.toISO(),
      region: 'eu-north-1',
      resources: [],
      detail: {
        ...trigger.detail(n, at),
        customer: {
          id: `fuzz-${n}`,
          firstName: 'Zed',
          phone: '+46701234567',
          email: `fuzz-${n}@example.com`,
          locale: 'sv',
          timeZone: 'Europe/Stockholm',
        },
      },
    },
  };
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

function withLone(text: string, index: number, half: string): string {
  const at = Math.min(index, text.length);
  return `${text.slice(0, at)}${half}${text.slice(at)}`;
}

const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const badDates = fc.constantFrom(
  'not-a-date',
  '2027-02-30T10:00:00Z',
  '2027-13-01',
  '',
  '24:00',
  '2027-02-01T25:61:00+01:00',
  '1e9',
  '2027-W60',
);
const badZones = fc.constantFrom(
  'Mars/Olympus',
  'UTC+25',
  'Europe/Stockholm ',
  'Stockholm',
  '+99:00',
  'Etc/GMT+99',
);
const badPhones = fc.oneof(
  fc.constantFrom('+46', '0000', '+999999999999999999', 'abc', '+4612', '070-123', '☎️', ''),
  fc.string({ maxLength: 20 }),
);
const badEmails = fc.oneof(
  fc.constantFrom('a@', '@b.com', 'x@y', 'a b@c.se', 'anna@@example.se', ''),
  fc.string({ maxLength: 20 }),
);

/** Bad events of every kind, built on a valid trigger number `n`. */
export function badEventArb(start: DateTime): fc.Arbitrary<BadEvent> {
  const base = fc.record({
    n: fc.integer({ min: 1, max: 1_000_000_000 }),
    minute: fc.integer({ min: 0, max: 7 * 24 * 60 }),
  });
  const at = (minute: number) => start.plus({ minutes: minute });
  const mutate = <T>(
    kind: string,
    extra: fc.Arbitrary<T>,
    apply: (
      event: Record<string, unknown>,
      detail: Record<string, unknown>,
      value: T,
      meta: { dateField: string; type: string },
    ) => BadEvent['expect'],
  ): fc.Arbitrary<BadEvent> =>
    fc.tuple(base, extra).map(([{ n, minute }, value]) => {
      const { event, dateField, type } = validTrigger(n, at(minute));
      const detail = detailOf(event);
      const expect = apply(event, detail, value, { dateField, type });
      return { kind, input: event, expect };
    });

  return fc.oneof(
    mutate(
      'missing envelope field',
      fc.constantFrom('id', 'detail-type', 'source', 'time', 'detail'),
      (event, _detail, field) => {
        delete event[field];
        return `reject:${field}`;
      },
    ),
    mutate(
      'wrong type in the envelope',
      fc.tuple(fc.constantFrom('id', 'detail-type', 'source', 'time'), notAString),
      (event, _detail, [field, value]) => {
        event[field] = value;
        return `reject:${field}`;
      },
    ),
    mutate(
      'detail not an object',
      fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.integer())),
      (event, _detail, value) => {
        event.detail = value;
        return 'reject:detail';
      },
    ),
    mutate('invalid event time', badDates, (event, _detail, value) => {
      event.time = value;
      return 'reject:time';
    }),
    mutate('invalid date in the detail', fc.oneof(badDates, notAString), (_event, detail, value, meta) => {
      detail[meta.dateField] = value;
      return 'either'; // accepted; the message is held back as invalid-date (or the rule does not read it)
    }),
    mutate('missing field a rule or template needs', fc.nat(), (_event, detail, pick, meta) => {
      const fields = TEMPLATE_FIELDS[meta.type] ?? [];
      const field = fields[pick % Math.max(1, fields.length)];
      if (field !== undefined) delete detail[field];
      return 'accept';
    }),
    mutate('invalid time zone', badZones, (_event, detail, zone) => {
      customerOf(detail).timeZone = zone;
      return 'reject:detail.customer.timeZone';
    }),
    mutate('invalid phone number', badPhones, (_event, detail, phone) => {
      customerOf(detail).phone = phone;
      return 'accept';
    }),
    mutate('invalid email', badEmails, (_event, detail, email) => {
      customerOf(detail).email = email;
      return 'accept';
    }),
    mutate(
      'wrong type in the customer',
      fc.tuple(fc.constantFrom('id', 'phone', 'email', 'locale', 'timeZone', 'firstName'), notAString),
      (_event, detail, [field, value]) => {
        customerOf(detail)[field] = value;
        return `reject:detail.customer.${field}`;
      },
    ),
    mutate('customer without id', fc.constant(null), (_event, detail) => {
      delete customerOf(detail).id;
      return 'reject:detail.customer.id';
    }),
    mutate(
      'customer not an object',
      fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())),
      (_event, detail, value) => {
        detail.customer = value;
        return 'reject:detail.customer';
      },
    ),
    mutate(
      'huge string',
      fc.tuple(fc.integer({ min: 1_000, max: 400_000 }), fc.constantFrom('subject', 'location', 'note')),
      (event, detail, [size, field]) => {
        detail[field] = 'x'.repeat(size);
        return JSON.stringify(event).length > 256 * 1024 ? 'reject:(event)' : 'either';
      },
    ),
    mutate('huge customer name', fc.integer({ min: 201, max: 50_000 }), (_event, detail, size) => {
      customerOf(detail).firstName = 'N'.repeat(size);
      return 'reject:detail.customer.firstName';
    }),
    mutate(
      'deep nesting',
      fc.tuple(fc.integer({ min: 1, max: 5_000 }), fc.boolean()),
      (_event, detail, [depth, asArray]) => {
        detail.extra = nested(depth, 'leaf', asArray);
        // detail.extra is level 1; the innermost container is level `depth`.
        return depth > 24 ? 'reject:detail.extra' : 'accept';
      },
    ),
    mutate(
      'lone surrogate in a value',
      fc.tuple(fc.constantFrom(...LONE), fc.nat({ max: 10 }), fc.constantFrom('firstName', 'caseId', 'id')),
      (event, detail, [half, index, where]) => {
        if (where === 'firstName') {
          customerOf(detail).firstName = withLone('Zed', index, half);
          return 'reject:detail.customer.firstName';
        }
        if (where === 'id') {
          event.id = withLone(String(event.id), index, half);
          return 'reject:id';
        }
        detail.caseId = withLone('K-1', index, half);
        return 'reject:detail.caseId';
      },
    ),
    mutate(
      'number a store cannot keep',
      fc.oneof(
        fc.double({ min: 2 ** 53 + 2, max: Number.MAX_VALUE, noNaN: true }),
        fc.double({ min: -Number.MAX_VALUE, max: -(2 ** 53) - 2, noNaN: true }),
        fc.constantFrom(1e-200, -4.9e-324, 5e-324),
      ),
      (_event, detail, value) => {
        detail.amount = value;
        return 'reject:detail.amount';
      },
    ),
    mutate('empty key in the detail', fc.constant(''), (_event, detail) => {
      detail.meta = { '': 'x' };
      return 'reject:detail.meta';
    }),
    mutate('lone surrogate in a key', fc.constantFrom(...LONE), (_event, detail, half) => {
      detail[`note${half}`] = 'x';
      return 'reject:detail.note';
    }),
    fc.anything().map((input): BadEvent => ({ kind: 'anything', input, expect: 'either' })),
    fc.jsonValue().map((input): BadEvent => ({ kind: 'any JSON', input, expect: 'either' })),
  );
}

function detailOf(event: Record<string, unknown>): Record<string, unknown> {
  const detail = event.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    throw new Error('base event without detail');
  const copy: Record<string, unknown> = { ...detail };
  event.detail = copy;
  return copy;
}

function customerOf(detail: Record<string, unknown>): Record<string, unknown> {
  const customer = detail.customer;
  if (customer === null || typeof customer !== 'object' || Array.isArray(customer))
    throw new Error('base event without customer');
  const copy: Record<string, unknown> = { ...customer };
  detail.customer = copy;
  return copy;
}

/**
 * Whether every part of a rejection reason (`path: message; path: message`) names a field of
 * the input, or the event as a whole.
 */
export function isLocatedReason(reason: string): boolean {
  const parts = reason.split('; ');
  return parts.every((part) => {
    const colon = part.indexOf(': ');
    if (colon <= 0 || part.slice(colon + 2).trim() === '') return false;
    const path = part.slice(0, colon);
    return path === '(event)' || /^[^\s.[\]]+/.test(path);
  });
}
