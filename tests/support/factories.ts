import { DateTime } from 'luxon';
import { type EngineSettings, EngineSettingsSchema } from '../../functions/core/config/engine-settings.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import type { JourneyEvent } from '../../functions/core/journey-event.ts';
import { type Rule, type RuleInput, RuleSchema } from '../../functions/core/rules/rule-schema.ts';

/** A fixed instant from an ISO string, in UTC. */
export function at(iso: string): DateTime {
  const time = DateTime.fromISO(iso, { setZone: true });
  if (!time.isValid) throw new Error(`bad test instant ${iso}`);
  return time.toUTC();
}

/** A valid rule: an immediate SMS on `acme.test/Thing`, overridable field by field. */
export function aRule(overrides: Partial<RuleInput> = {}): Rule {
  return RuleSchema.parse({
    id: 'test-rule',
    description: 'A test rule',
    on: { source: ['acme.test'], 'detail-type': ['Thing'] },
    send: 'immediately',
    window: 'always',
    channels: ['sms'],
    template: 'test-template',
    ...overrides,
  });
}

let counter = 0;

/** A journey event in the EventBridge envelope, with a customer Anna in Stockholm. */
export function anEvent(
  overrides: Partial<JourneyEvent> & { detail?: Record<string, unknown> } = {},
): JourneyEvent {
  counter++;
  return {
    version: '0',
    id: `ev-${counter}`,
    'detail-type': 'Thing',
    source: 'acme.test',
    account: '111122223333',
    time: '2026-11-23T09:00:00Z',
    region: 'eu-north-1',
    resources: [],
    ...overrides,
    detail: overrides.detail ?? { customer: aCustomer() },
  };
}

/** `detail.customer` as a publisher sends it. */
export function aCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'cust-anna',
    firstName: 'Anna',
    phone: '+46701234567',
    email: 'anna@example.se',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
    ...overrides,
  };
}

/** A stored profile. */
export function aProfile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    id: 'cust-anna',
    firstName: 'Anna',
    phone: '+46701234567',
    email: 'anna@example.se',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
    consent: {},
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Engine settings with overrides. */
export function settings(overrides: Record<string, unknown> = {}): EngineSettings {
  return EngineSettingsSchema.parse(overrides);
}
