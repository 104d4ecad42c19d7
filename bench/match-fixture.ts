/**
 * The matching benchmark's fixtures: journey rules and events from a fixed seed, in two mixes. The
 * journey mix is what rule sets look like (exact source, detail-type, product or campaign, a few
 * further conditions); the non-exact mix leans on prefix, suffix, numeric, anything-but,
 * equals-ignore-case, wildcard, exists and cidr conditions, most of them with no exact value
 * besides `source`.
 */
import type { EventPattern } from '../functions/core/pattern/index.ts';

// --- deterministic randomness ----------------------------------------------------------------------

/** mulberry32: small, fast, good enough for generating fixtures; the seed fixes every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
const pick = <T>(rng: Rng, items: ReadonlyArray<T>): T => {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};
const pickSome = <T>(rng: Rng, items: ReadonlyArray<T>, max: number): T[] => {
  const count = 1 + Math.floor(rng() * max);
  return [...new Set(Array.from({ length: count }, () => pick(rng, items)))];
};
const chance = (rng: Rng, probability: number) => rng() < probability;

// --- the journey vocabulary ---------------------------------------------------------------------------

const DETAIL_TYPES: Record<string, ReadonlyArray<string>> = {
  'acme.policy': [
    'PolicyRenewalDue',
    'PolicyRenewed',
    'PolicyLapsed',
    'PolicyIssued',
    'PolicyCancelled',
    'MidTermAdjustment',
  ],
  'acme.orders': [
    'OrderPlaced',
    'OrderPaid',
    'OrderShipped',
    'OrderDelivered',
    'OrderCancelled',
    'ReturnRequested',
  ],
  'acme.contact-centre': [
    'CallbackBooked',
    'CallbackMissed',
    'CallCompleted',
    'ChatClosed',
    'ComplaintLogged',
  ],
  'acme.payments': ['PaymentFailed', 'PaymentSucceeded', 'DirectDebitSetUp', 'RefundIssued', 'CardExpiring'],
  'acme.claims': ['ClaimOpened', 'ClaimDocumentsRequested', 'ClaimApproved', 'ClaimRejected', 'ClaimPaid'],
  'acme.quotes': ['QuoteCreated', 'QuoteExpiring', 'QuoteAbandoned', 'QuoteConverted'],
  'acme.identity': ['AccountCreated', 'EmailVerified', 'PasswordReset', 'ProfileUpdated'],
  'acme.loyalty': ['PointsEarned', 'TierUpgraded', 'TierDowngraded', 'RewardRedeemed', 'PointsExpiring'],
  'acme.shipping': ['ParcelDispatched', 'ParcelDelayed', 'ParcelOutForDelivery', 'DeliveryFailed'],
  'acme.billing': ['InvoiceIssued', 'InvoiceOverdue', 'StatementReady', 'CreditNoteIssued'],
  'acme.appointments': [
    'AppointmentBooked',
    'AppointmentReminderDue',
    'AppointmentMissed',
    'AppointmentCancelled',
  ],
  'acme.subscriptions': [
    'TrialStarted',
    'TrialEnding',
    'SubscriptionRenewed',
    'SubscriptionCancelled',
    'PlanChanged',
  ],
};
const SOURCES = Object.keys(DETAIL_TYPES);
const STATUSES = [
  'NEW',
  'PENDING',
  'ACTIVE',
  'DUE',
  'OVERDUE',
  'PAID',
  'FAILED',
  'CANCELLED',
  'COMPLETE',
  'ON_HOLD',
];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const COUNTRIES = [
  'GB',
  'IE',
  'SE',
  'NO',
  'DK',
  'FI',
  'DE',
  'NL',
  'BE',
  'FR',
  'ES',
  'PT',
  'IT',
  'PL',
  'AT',
  'CH',
];
const CHANNELS = ['sms', 'email', 'push', 'whatsapp'];

/**
 * The catalogue a rule set is written against. Rules target products and campaigns, and a business
 * with ten thousand rules has a larger catalogue than one with ten: it grows with the rule set (one
 * product per 5 rules, one campaign per 2), so each event still concerns a handful of rules.
 */
export interface Catalogue {
  readonly products: ReadonlyArray<string>;
  readonly campaigns: ReadonlyArray<string>;
}

export function catalogue(ruleCount: number): Catalogue {
  const products = Math.max(80, Math.ceil(ruleCount / 5));
  const campaigns = Math.max(150, Math.ceil(ruleCount / 2));
  return {
    products: Array.from({ length: products }, (_, index) => `P-${String(1000 + index)}`),
    campaigns: Array.from({ length: campaigns }, (_, index) => `cmp-${String(index).padStart(5, '0')}`),
  };
}
const SEGMENTS = ['retail', 'sme', 'corporate', 'student', 'senior', 'family'];

// --- rules ------------------------------------------------------------------------------------------

/** A pattern object under construction. */
type Fields = { [field: string]: EventPattern[string] };

/**
 * What a journey rule narrows on besides source and detail-type: usually the product line or the
 * campaign it was written for (exact values), sometimes a customer attribute.
 */
function addTargeting(rng: Rng, fields: Fields, catalogue: Catalogue): void {
  if (rng() < 0.6) fields.product = pickSome(rng, catalogue.products, 3);
  else fields.campaign = [pick(rng, catalogue.campaigns)];
}

/** A further condition of the kinds journey rules use: exact, numeric, anything-but, prefix, exists. */
function addCondition(rng: Rng, fields: Fields, customer: Fields, catalogue: Catalogue): void {
  switch (Math.floor(rng() * 10)) {
    case 0:
      customer.tier = pickSome(rng, TIERS, 2);
      return;
    case 1:
      fields.status = pickSome(rng, STATUSES, 3);
      return;
    case 2: {
      const low = Math.floor(rng() * 2000);
      fields.amount = [{ numeric: ['>=', low, '<', low + 50 + Math.floor(rng() * 2000)] }];
      return;
    }
    case 3:
      fields.status = [{ 'anything-but': pickSome(rng, STATUSES, 3) }];
      return;
    case 4:
      customer.preferences = { channel: [{ 'anything-but': pick(rng, CHANNELS) }] };
      return;
    case 5:
      customer.id = [{ prefix: `C-${Math.floor(rng() * 10)}` }];
      return;
    case 6:
      customer.consent = { marketing: [true] };
      return;
    case 7:
      customer.country = pickSome(rng, COUNTRIES, 3);
      return;
    case 8:
      customer.segment = pickSome(rng, SEGMENTS, 2);
      return;
    default:
      fields.items = { sku: [{ prefix: pick(rng, catalogue.products) }] };
  }
}

/** A catch-all over every acme source: it has no exact value to key on, so every event checks it. */
const CATCH_ALL: EventPattern = {
  source: [{ prefix: 'acme.' }],
  detail: { amount: [{ numeric: ['>', 4990] }] },
};

/** Where the catch-alls sit: a rule set has a few of them whatever its size (0, 1, 2 and 3 here). */
const CATCH_ALL_POSITIONS = new Set([99, 999, 9_999]);

export function makeRule(rng: Rng, position: number, catalogue: Catalogue): EventPattern {
  if (CATCH_ALL_POSITIONS.has(position)) return CATCH_ALL;
  const source = pick(rng, SOURCES);
  const types = DETAIL_TYPES[source] ?? [];
  const detail: Fields = {};
  const customer: Fields = {};
  addTargeting(rng, detail, catalogue);
  const extra = Math.floor(rng() * 3);
  for (let count = 0; count < extra; count++) addCondition(rng, detail, customer, catalogue);
  if (chance(rng, 0.05)) customer.deceased = [{ exists: false }];
  if (Object.keys(customer).length > 0) detail.customer = customer;
  if (chance(rng, 0.06)) {
    // One journey triggered by either of two events, the second only when overdue.
    return {
      source: [source],
      $or: [
        { 'detail-type': [pick(rng, types)] },
        { 'detail-type': [pick(rng, types)], detail: { status: ['OVERDUE'] } },
      ],
      detail,
    };
  }
  return { source: [source], 'detail-type': pickSome(rng, types, 2), detail };
}

// --- events ---------------------------------------------------------------------------------------

export function makeEvent(rng: Rng, sequence: number, catalogue: Catalogue): Record<string, unknown> {
  const source = pick(rng, SOURCES);
  const product = pick(rng, catalogue.products);
  return {
    version: '0',
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    'detail-type': pick(rng, DETAIL_TYPES[source] ?? []),
    source,
    account: '123456789012',
    time: `2026-0${1 + Math.floor(rng() * 9)}-1${Math.floor(rng() * 9)}T09:00:00Z`,
    region: 'eu-west-1',
    resources: [],
    detail: {
      customer: {
        id: `C-${String(Math.floor(rng() * 1_000_000)).padStart(6, '0')}`,
        tier: pick(rng, TIERS),
        country: pick(rng, COUNTRIES),
        segment: pick(rng, SEGMENTS),
        preferences: {
          channel: pick(rng, CHANNELS),
          locale: 'en-GB',
          quietHours: { from: '21:00', to: '08:00' },
        },
        consent: { marketing: chance(rng, 0.7), service: true },
        phone: '+447700900123',
        email: 'customer@example.com',
      },
      product,
      campaign: pick(rng, catalogue.campaigns),
      status: pick(rng, STATUSES),
      amount: Math.round(rng() * 500_000) / 100,
      currency: 'GBP',
      items: Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ({
        sku: `${pick(rng, catalogue.products)}-${Math.floor(rng() * 100)}`,
        qty: 1 + Math.floor(rng() * 4),
        price: Math.round(rng() * 20_000) / 100,
      })),
      tags: pickSome(rng, ['vip', 'new', 'at-risk', 'promo', 'renewal'], 2),
      dueDate: '2026-07-01',
    },
  };
}

// --- the non-exact mix --------------------------------------------------------------------------

const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'acme.test'];

/** One non-exact condition, of every operator the matcher supports. */
function addOperatorCondition(rng: Rng, detail: Fields, customer: Fields, catalogue: Catalogue): void {
  switch (Math.floor(rng() * 12)) {
    case 0: {
      const low = Math.floor(rng() * 4000);
      detail.amount = [{ numeric: ['>=', low, '<', low + 50 + Math.floor(rng() * 1000)] }];
      return;
    }
    case 1:
      detail.items = { qty: [{ numeric: ['>', Math.floor(rng() * 4)] }] };
      return;
    case 2:
      customer.id = [{ prefix: `C-${Math.floor(rng() * 100)}` }];
      return;
    case 3:
      detail.items = { sku: [{ prefix: `${pick(rng, catalogue.products)}-` }] };
      return;
    case 4:
      detail.status = [{ 'anything-but': pickSome(rng, STATUSES, 3) }];
      return;
    case 5:
      customer.preferences = { channel: [{ 'anything-but': { prefix: pick(rng, CHANNELS).slice(0, 2) } }] };
      return;
    case 6:
      customer.email = [{ suffix: `@${pick(rng, DOMAINS)}` }];
      return;
    case 7:
      customer.tier = [{ 'equals-ignore-case': pick(rng, TIERS).toUpperCase() }];
      return;
    case 8:
      detail.campaign = [{ wildcard: `cmp-0*${Math.floor(rng() * 10)}` }];
      return;
    case 9:
      customer.consent = { marketing: [{ exists: true }] };
      return;
    case 10:
      detail.ip = [{ cidr: `10.${Math.floor(rng() * 4)}.0.0/16` }];
      return;
    default:
      detail.product = [{ prefix: { 'equals-ignore-case': `p-1${Math.floor(rng() * 100)}` } }];
  }
}

/**
 * A rule of the non-exact mix: an exact `source` (a rule set is written per system) or, one rule in
 * ten, a `detail-type` prefix across sources; then one to three operator conditions, no exact value.
 */
export function makeOperatorRule(rng: Rng, catalogue: Catalogue): EventPattern {
  const detail: Fields = {};
  const customer: Fields = {};
  const count = 1 + Math.floor(rng() * 3);
  for (let added = 0; added < count; added++) addOperatorCondition(rng, detail, customer, catalogue);
  if (Object.keys(customer).length > 0) detail.customer = customer;
  if (chance(rng, 0.1)) {
    return { 'detail-type': [{ prefix: pick(rng, ['Order', 'Policy', 'Claim', 'Payment']) }], detail };
  }
  return { source: [pick(rng, SOURCES)], detail };
}

/** A journey event with a client address (for the mix's `cidr` conditions) and varied email domains. */
export function makeOperatorEvent(rng: Rng, sequence: number, catalogue: Catalogue): Record<string, unknown> {
  const event = makeEvent(rng, sequence, catalogue);
  const detail: Record<string, unknown> = { ...Object(event.detail) };
  detail.ip = `10.${Math.floor(rng() * 8)}.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}`;
  detail.customer = { ...Object(detail.customer), email: `c@${pick(rng, DOMAINS)}` };
  return { ...event, detail };
}
