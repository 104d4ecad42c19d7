import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DateTime } from 'luxon';
import type { EventBridgeEvent } from '../../../local/aws/put-events-server.ts';
import { SeededRandom } from './random.ts';

/**
 * Realistic journey streams for the shipped rules (rules/*.yaml): appointments, callbacks,
 * orders, emails, policy renewals, closed cases and profile changes, for customers in four time
 * zones and three languages, with SMS and email, cancels and expectations met or missed,
 * republished events and opt-outs. Deterministic for a seed.
 */

/** A journey event in the EventBridge envelope. */
export type JourneyEnvelope = EventBridgeEvent;

/** A customer as publishers send them in `detail.customer`. */
interface GeneratedCustomer {
  id: string;
  firstName: string;
  locale: string;
  timeZone: string;
  phone?: string;
  email?: string;
}

/** What to generate. */
export interface StreamOptions {
  seed: number;
  /** At least this many events. */
  events: number;
  /** First instant events may have. */
  start: DateTime;
  /** Events spread over this many days. */
  days: number;
  /** Customers (default: one per six events). */
  customers?: number;
  /** Share of customers with an opt-out event somewhere in the stream (default 0.05). */
  optOutShare?: number;
}

/** A stream: events in time order (every `time` distinct), and who they are about. */
export interface JourneyStream {
  seed: number;
  events: JourneyEnvelope[];
  customers: GeneratedCustomer[];
  /** Event counts by detail-type. */
  kinds: Record<string, number>;
}

const ZONES = [
  { zone: 'Europe/Stockholm', locale: 'sv', country: '46', prefix: '70', digits: 7 },
  { zone: 'Europe/Copenhagen', locale: 'da', country: '45', prefix: '2', digits: 7 },
  { zone: 'America/New_York', locale: 'en', country: '1', prefix: '917', digits: 7 },
  { zone: 'Europe/Helsinki', locale: 'en', country: '358', prefix: '40', digits: 7 },
] as const;
const NAMES = ['Anna', 'Lars', 'Emily', 'Maja', 'Erik', 'Sara', 'Mads', 'Aino', 'Olle', 'Noah', 'Ida', 'Kim'];
const CURRENCY: Readonly<Record<string, string>> = { sv: 'SEK', da: 'DKK', en: 'EUR' };

/** Generates a stream; see the module comment. */
export function generateJourneyStream(options: StreamOptions): JourneyStream {
  const random = new SeededRandom(options.seed);
  const customerCount = options.customers ?? Math.max(4, Math.round(options.events / 6));
  const customers = Array.from({ length: customerCount }, (_, index) => aCustomer(random, index));
  const usedTimes = new Set<number>();
  const events: JourneyEnvelope[] = [];
  let serial = 0;
  const startMs = options.start.toMillis();
  const spanMs = options.days * 86_400_000;

  /** A distinct instant (the engine orders same-instant events by arrival; a stream must not depend on it). */
  const instant = (ms: number): DateTime => {
    let at = Math.round(ms);
    while (usedTimes.has(at)) at++;
    usedTimes.add(at);
    return DateTime.fromMillis(at, { zone: 'utc' });
  };
  const emit = (source: string, detailType: string, at: DateTime, detail: Record<string, unknown>) => {
    serial++;
    events.push({
      version: '0',
      id: `ev-${options.seed}-${serial}`,
      'detail-type': detailType,
      source,
      account: '111122223333',
      time: at.toISO() ?? '',
      region: 'eu-north-1',
      resources: [],
      detail,
    });
  };
  /** Triggers mostly carry the customer; some only name a known one (the stored profile is used). */
  const who = (customer: GeneratedCustomer): Record<string, unknown> =>
    random.chance(0.1) ? { customerId: customer.id } : { customer: { ...customer } };

  const optedOut = new Set<string>();
  let journey = 0;
  while (events.length < options.events) {
    journey++;
    const customer = random.pick(customers);
    const t0 = instant(startMs + random.next() * spanMs);
    const local = t0.setZone(customer.timeZone);
    const kind = random.next();
    if (kind < 0.18) {
      const appointmentId = `A-${journey}`;
      const appointmentAt = local
        .plus({ days: random.int(1, 6) })
        .set({ hour: random.int(8, 17), minute: random.pick([0, 15, 30, 45]), second: 0, millisecond: 0 });
      emit('acme.bookings', 'AppointmentBooked', t0, {
        appointmentId,
        location: random.pick(['Klinik Nord', 'Vårdcentralen', 'Main Street Clinic']),
        appointmentAt: appointmentAt.toISO(),
        ...who(customer),
      });
      if (random.chance(0.2)) {
        const until = Math.max(appointmentAt.toMillis() - 3_600_000, t0.toMillis() + 60_000);
        const cancelAt = instant(t0.toMillis() + random.next() * (until - t0.toMillis()));
        emit('acme.bookings', random.pick(['AppointmentCancelled', 'AppointmentRescheduled']), cancelAt, {
          appointmentId,
          customerId: customer.id,
        });
      }
    } else if (kind < 0.36) {
      const callbackId = `CB-${journey}`;
      const callbackAt = t0.plus({ minutes: random.int(20, 30 * 60) }).set({ second: 0, millisecond: 0 });
      emit('acme.contact-centre', 'CallbackBooked', t0, {
        callbackId,
        caseId: `K-${journey}`,
        callbackAt: callbackAt.setZone(customer.timeZone).toISO(),
        ...who(customer),
      });
      const outcome = random.next();
      if (outcome < 0.65) {
        emit(
          'acme.contact-centre',
          'CallbackCompleted',
          instant(callbackAt.toMillis() + random.int(0, 9 * 60_000)),
          {
            callbackId,
            customerId: customer.id,
          },
        );
      } else if (outcome < 0.75) {
        emit(
          'acme.contact-centre',
          'CallbackCompleted',
          instant(callbackAt.toMillis() + random.int(15 * 60_000, 60 * 60_000)),
          { callbackId, customerId: customer.id },
        );
      }
    } else if (kind < 0.54) {
      const orderId = `O-${journey}`;
      const promised = t0.plus({ minutes: random.int(3 * 60, 48 * 60) }).set({ second: 0, millisecond: 0 });
      emit('acme.orders', 'OrderDispatched', t0, {
        orderId,
        promisedDeliveryAt: promised.setZone(customer.timeZone).toISO(),
        ...who(customer),
      });
      const outcome = random.next();
      const deadline = promised.toMillis() + 2 * 3_600_000;
      if (outcome < 0.6) {
        const from = Math.max(t0.toMillis() + 60_000, promised.toMillis() - 2 * 3_600_000);
        emit('acme.orders', 'OrderDelivered', instant(from + random.next() * (deadline - 60_000 - from)), {
          orderId,
          customerId: customer.id,
        });
      } else if (outcome < 0.68) {
        emit('acme.orders', 'OrderCancelled', instant(t0.toMillis() + random.int(60_000, 3 * 3_600_000)), {
          orderId,
          customerId: customer.id,
        });
      } else if (outcome < 0.78) {
        emit('acme.orders', 'OrderDelivered', instant(deadline + random.int(10 * 60_000, 6 * 3_600_000)), {
          orderId,
          customerId: customer.id,
        });
      }
    } else if (kind < 0.68) {
      emit('acme.contact-centre', 'EmailReceived', t0, {
        channel: random.chance(0.9) ? 'email' : 'chat',
        caseId: `K-${journey}`,
        subject: random.pick(['Faktura', 'Invoice question', 'Flytt', 'Skade']),
        receivedAt: t0.toISO(),
        ...who(customer),
      });
    } else if (kind < 0.8) {
      const policyId = `P-${journey}`;
      const renewalDate = local
        .plus({ days: random.chance(0.15) ? random.int(5, 13) : random.int(15, 40) })
        .toISODate();
      const detail = {
        policyId,
        policyNumber: `HEM-${1000 + journey}`,
        renewalDate,
        newPremium: random.int(900, 9000) + random.pick([0, 0.5]),
        currency: CURRENCY[customer.locale] ?? 'SEK',
        ...who(customer),
      };
      emit('acme.policy', 'PolicyRenewalScheduled', t0, detail);
      if (random.chance(0.12)) {
        // Upstream republishes the same renewal as a new event: the dedupe key absorbs it.
        emit(
          'acme.policy',
          'PolicyRenewalScheduled',
          instant(t0.toMillis() + random.int(60_000, 3 * 86_400_000)),
          detail,
        );
      }
      if (random.chance(0.2)) {
        emit(
          'acme.policy',
          random.pick(['PolicyRenewed', 'PolicyCancelled']),
          instant(t0.toMillis() + random.int(3_600_000, 20 * 86_400_000)),
          { policyId, customerId: customer.id },
        );
      }
    } else if (kind < 0.97) {
      const caseId = `C-${journey}`;
      const resolution = random.next() < 0.8 ? 'resolved' : random.pick(['spam', 'duplicate']);
      const detail = { caseId, resolution, ...who(customer) };
      emit('acme.cases', 'CaseClosed', t0, detail);
      if (random.chance(0.08)) {
        emit('acme.cases', 'CaseClosed', instant(t0.toMillis() + random.int(60_000, 3 * 86_400_000)), detail);
      }
    } else if (!optedOut.has(customer.id) && random.chance((options.optOutShare ?? 0.05) * 6)) {
      optedOut.add(customer.id);
      const channel = customer.phone !== undefined && random.chance(0.7) ? 'sms' : 'email';
      emit('acme.crm', 'CustomerPreferencesChanged', t0, {
        customer: { ...customer, consent: { [channel]: false } },
      });
    }
  }
  events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const kinds: Record<string, number> = {};
  for (const event of events) kinds[event['detail-type']] = (kinds[event['detail-type']] ?? 0) + 1;
  return { seed: options.seed, events, customers, kinds };
}

function aCustomer(random: SeededRandom, index: number): GeneratedCustomer {
  const home = random.pick(ZONES);
  const id = `cust-${index}`;
  const customer: GeneratedCustomer = {
    id,
    firstName: random.pick(NAMES),
    locale: home.locale,
    timeZone: home.zone,
  };
  const contact = random.next();
  if (contact < 0.92) customer.phone = random.chance(0.03) ? '+4612' : validMobile(random, home);
  if (contact > 0.35) customer.email = `${customer.firstName.toLowerCase()}.${index}@example.com`;
  return customer;
}

function validMobile(random: SeededRandom, home: (typeof ZONES)[number]): string {
  for (;;) {
    let phone = `+${home.country}${home.prefix}`;
    for (let i = 0; i < home.digits; i++) phone += String(random.int(0, 9));
    if (parsePhoneNumberFromString(phone)?.isValid() === true) return phone;
  }
}
