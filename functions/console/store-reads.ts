import { profileAddresses } from '../app/address-suppressions.ts';
import type { MessageRecord } from '../app/message-record.ts';
import type { ConsoleQueries } from '../app/ports/console-queries.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { RuleStatsReport } from '../app/rule-stats-report.ts';
import { suppressionAddress } from '../core/customers/suppression-address.ts';
import { describeRule } from '../core/rules/describe-rule.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { ConsoleBackend, ConsoleRule } from './console-backend.ts';

/*
 * What both ConsoleBackends (the local runtime's and the one over the deployed Stores) read the
 * same way: rules with their counters and next planned sends, customers and their suppressions, and the check of a
 * test event before it goes on the bus.
 */

/**
 * The stores the console reads: messages, profiles, suppressions, the console queries, the rule
 * counters and the pending sends.
 */
export type ConsoleStores = Pick<
  Stores,
  'messages' | 'profiles' | 'suppressions' | 'queries' | 'ruleStats' | 'pending'
>;

/** The newest messages, up to `limit` (at least one page), newest first. */
export async function recentMessages(queries: ConsoleQueries, limit: number): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.listMessages({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < limit);
  return out;
}

/**
 * One rule with its counters (the report's days, from the rule counters; none without a report)
 * and its next planned sends, from the messages read.
 */
export function consoleRule(
  rule: Rule,
  file: string,
  messages: ReadonlyArray<MessageRecord>,
  report: RuleStatsReport | undefined,
): ConsoleRule {
  const mine = messages.filter((message) => message.ruleId === rule.id);
  const totals = report?.totals ?? {};
  const suppressedBy: Record<string, number> = {};
  for (const [counter, count] of Object.entries(totals)) {
    if (counter.startsWith('suppressed:')) suppressedBy[counter.slice('suppressed:'.length)] = count;
  }
  return {
    id: rule.id,
    description: rule.description,
    enabled: rule.enabled,
    urgent: rule.urgent,
    file,
    summary: describeRule(rule),
    channels: [...rule.channels],
    template: rule.template,
    counts: Object.fromEntries(Object.entries(totals).filter(([counter]) => !counter.includes(':'))),
    suppressedBy,
    ...(report === undefined ? {} : { days: report.days }),
    nextPlanned: mine
      .filter((message) => message.status === 'scheduled')
      .sort((a, b) => (a.sendAt < b.sendAt ? -1 : 1))
      .slice(0, 20)
      .map((message) => ({
        messageId: message.messageId,
        customerId: message.customerId,
        sendAt: message.sendAt,
      })),
  };
}

/** Customers by the time of their latest message, from the messages read (most recent first). */
export function customersOf(messages: ReadonlyArray<MessageRecord>, seen = new Map<string, string>()) {
  for (const message of messages) {
    const last = seen.get(message.customerId);
    if (last === undefined || last < message.createdAt) seen.set(message.customerId, message.createdAt);
  }
  return [...seen]
    .map(([id, lastSeen]) => ({ id, lastSeen }))
    .sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
}

/** One customer's timeline and the suppressions of her addresses, and one address's suppression. */
export function customerReads(
  stores: ConsoleStores,
  defaultCountry: () => string,
): Pick<ConsoleBackend, 'customer' | 'customerActivity' | 'customerSuppressions' | 'addressSuppression'> {
  const profileAndTimeline = (customerId: string) =>
    Promise.all([stores.profiles.getProfile(customerId), stores.queries.customerTimeline(customerId, 200)]);
  return {
    customer: async (customerId) => {
      const [profile, timeline] = await profileAndTimeline(customerId);
      if (profile === undefined && timeline.messages.length === 0) return undefined;
      return { profile, messages: timeline.messages, replies: timeline.replies };
    },
    customerActivity: async (customerId, page) => {
      const [profile, activity] = await Promise.all([
        stores.profiles.getProfile(customerId),
        stores.queries.customerActivity(customerId, page),
      ]);
      if (profile === undefined && activity.items.length === 0 && page.cursor === undefined) return undefined;
      return { profile, ...activity };
    },
    customerSuppressions: async (customerId) => {
      const [profile, timeline] = await profileAndTimeline(customerId);
      if (profile === undefined && timeline.messages.length === 0) return undefined;
      const country = defaultCountry();
      const addresses = profile === undefined ? [] : profileAddresses(profile, country);
      for (const message of timeline.messages) {
        if (message.channel === undefined || message.to === undefined) continue;
        const address = suppressionAddress(message.channel, message.to, country);
        if (address !== undefined) addresses.push({ channel: message.channel, address });
      }
      return stores.suppressions.list(addresses);
    },
    addressSuppression: async (channel, raw) => {
      const address = suppressionAddress(channel, raw, defaultCountry());
      return address === undefined ? undefined : stores.suppressions.get(channel, address);
    },
  };
}

/** A test event's PutEvents fields, or why it is not an event. */
export function testEventEntry(
  event: unknown,
): { ok: true; source: string; detailType: string; detail: string } | { ok: false; error: string } {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { ok: false, error: 'an event is a JSON object with source, detail-type and detail' };
  }
  const source: unknown = Reflect.get(event, 'source');
  const detailType: unknown = Reflect.get(event, 'detail-type');
  const detail: unknown = Reflect.get(event, 'detail');
  if (
    typeof source !== 'string' ||
    typeof detailType !== 'string' ||
    typeof detail !== 'object' ||
    detail === null
  ) {
    return { ok: false, error: 'source and detail-type must be strings and detail an object' };
  }
  return { ok: true, source, detailType, detail: JSON.stringify(detail) };
}
