import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { profileAddresses, withAddressSuppressions } from '../../functions/app/address-suppressions.ts';
import type { MessageRecord } from '../../functions/app/message-record.ts';
import {
  cancelScheduledMessage,
  listPendingSends,
  provisionalPreview,
} from '../../functions/app/pending-sends.ts';
import type { ConsoleQueries } from '../../functions/app/ports/console-queries.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { catalogRenderer } from '../../functions/app/render-factory.ts';
import { type RuleStatsReport, ruleStatsReport } from '../../functions/app/rule-stats-report.ts';
import type { EngineSettings } from '../../functions/core/config/engine-settings.ts';
import { suppressionAddress } from '../../functions/core/customers/suppression-address.ts';
import type { TemplateCatalog } from '../../functions/core/messages/index.ts';
import { classifyReply, type KeywordTable } from '../../functions/core/replies/inbound-keywords.ts';
import { describeRule } from '../../functions/core/rules/describe-rule.ts';
import type { LoadedRule } from '../../functions/core/rules/parse-rule-files.ts';
import type {
  CapturedMessage,
  ConsoleBackend,
  ConsoleRule,
  SampleEvent,
} from '../console/console-backend.ts';
import type { SendGridSandbox, TwilioSandbox } from '../sandboxes/index.ts';

/** What the console backend reads from the running runtime. */
export interface ConsoleBackendParts {
  /** The stores it reads: messages, profiles, suppressions and the console queries. */
  stores: Pick<Stores, 'messages' | 'profiles' | 'suppressions' | 'queries' | 'ruleStats' | 'pending'>;
  /** The running project's templates and settings, for a scheduled message's provisional preview. */
  project?: () => { catalog: TemplateCatalog; settings: EngineSettings };
  /** Country for phone numbers stored without a country code (settings.defaults.country). */
  defaultCountry: () => string;
  /** The keywords inbound replies are read with (settings.keywords over the shipped ones). */
  keywords: () => KeywordTable;
  clock: ControllableClock;
  bus: EventBridgeClient;
  twilio: TwilioSandbox;
  sendgrid: SendGridSandbox;
  /** The sandbox number customers reply to. */
  sender: string;
  rules: () => LoadedRule[];
  issues: () => string[];
  customersSeen: Map<string, string>;
  examplesDir: string;
  endpoints: () => { console: string; events: string; twilio: string; sendgrid: string };
}

/** Most messages the rules page reads to list the next planned sends (a local console). */
const COUNT_LIMIT = 5000;

/** The days the rules page counts over. */
const RULES_PAGE_DAYS = 30;

/**
 * How long the rules page reuses a rule's counters (real time). The page refreshes itself every
 * 2 s, and each read sums 128 shards (docs/data-model.md, rule counters): a few seconds' delay
 * in the counts is worth not querying DynamoDB Local ~60 times a second per rule.
 */
const RULES_PAGE_STATS_MS = 10_000;

/** The console's view of the local runtime: the stores, the sandboxes and the bus, nothing else. */
export function createConsoleBackend(parts: ConsoleBackendParts): ConsoleBackend {
  const { stores } = parts;
  const recent = new Map<string, { until: number; report: Promise<RuleStatsReport> }>();
  const rulesPageStats = (ruleId: string): Promise<RuleStatsReport> => {
    const cached = recent.get(ruleId);
    if (cached !== undefined && cached.until > Date.now()) return cached.report;
    const report = ruleStatsReport(stores.ruleStats, ruleId, parts.clock.now(), RULES_PAGE_DAYS);
    recent.set(ruleId, { until: Date.now() + RULES_PAGE_STATS_MS, report });
    report.catch(() => recent.delete(ruleId));
    return report;
  };
  return {
    clock: () => ({ now: parts.clock.now().toUTC().toISO() ?? '', speed: parts.clock.speed }),
    ruleIssues: () => parts.issues(),
    rules: async () => {
      const messages = await allMessages(stores.queries, COUNT_LIMIT);
      const loaded = parts.rules();
      const reports = await Promise.all(loaded.map((rule) => rulesPageStats(rule.rule.id)));
      return loaded.map((rule, index) => consoleRule(rule, messages, reports[index]));
    },
    ruleStats: async (ruleId, days) =>
      parts.rules().some((loaded) => loaded.rule.id === ruleId)
        ? ruleStatsReport(stores.ruleStats, ruleId, parts.clock.now(), days)
        : undefined,
    listMessages: (options) => stores.queries.listMessages(options),
    getMessage: (messageId) => stores.messages.getMessage(messageId),
    ...pendingReads(parts),
    ...customerReads(parts),
    rejected: (limit) => stores.queries.listRejected(limit),
    captured: async (limit) => capturedMessages(parts, limit),
    samples: () => loadSamples(parts.examplesDir),
    sendTestEvent: (event) => sendTestEvent(parts, event),
    replyAsCustomer: (reply) => replyAsCustomer(parts, reply),
    endpoints: () => parts.endpoints(),
  };
}

/** One rule with its counters (last 30 UTC days) and next planned sends. */
function consoleRule(
  loaded: LoadedRule,
  messages: ReadonlyArray<MessageRecord>,
  report: RuleStatsReport | undefined,
): ConsoleRule {
  const mine = messages.filter((message) => message.ruleId === loaded.rule.id);
  const counts = report?.totals ?? {};
  const suppressedBy: Record<string, number> = {};
  for (const [counter, count] of Object.entries(counts)) {
    if (counter.startsWith('suppressed:')) suppressedBy[counter.slice('suppressed:'.length)] = count;
  }
  return {
    id: loaded.rule.id,
    description: loaded.rule.description,
    enabled: loaded.rule.enabled,
    urgent: loaded.rule.urgent,
    file: `${loaded.file}:${loaded.line}`,
    summary: describeRule(loaded.rule),
    channels: [...loaded.rule.channels],
    template: loaded.rule.template,
    counts: Object.fromEntries(Object.entries(counts).filter(([counter]) => !counter.includes(':'))),
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

/** Pending sends: the listing, cancel by hand, and a scheduled message's provisional preview. */
function pendingReads(
  parts: ConsoleBackendParts,
): Pick<ConsoleBackend, 'pendingSends' | 'cancelMessage' | 'provisionalPreview'> {
  const { stores } = parts;
  return {
    pendingSends: (query) =>
      listPendingSends({ ...query, ruleIds: parts.rules().map((loaded) => loaded.rule.id) }, stores),
    // The local scheduler's timer still fires; the send finds the message cancelled and does nothing.
    cancelMessage: (messageId) =>
      cancelScheduledMessage(messageId, undefined, { messages: stores.messages, clock: parts.clock }),
    provisionalPreview: async (messageId) => {
      const record = await stores.messages.getMessage(messageId);
      const project = parts.project?.();
      if (record?.status !== 'scheduled' || project === undefined) return undefined;
      const rule = parts.rules().find((loaded) => loaded.rule.id === record.ruleId)?.rule;
      const profile = await withAddressSuppressions(
        await stores.profiles.getProfile(record.customerId),
        stores.suppressions,
        project.settings.defaults.country,
      );
      const render =
        rule === undefined
          ? () => ({ ok: false as const, detail: 'no rule' })
          : catalogRenderer(project.catalog, project.settings)(record, rule, profile);
      return provisionalPreview({ record, rule, profile, settings: project.settings, render });
    },
  };
}

/** The customer pages: who was seen, one customer's timeline, and their addresses' suppressions. */
function customerReads(
  parts: ConsoleBackendParts,
): Pick<ConsoleBackend, 'customers' | 'customer' | 'customerSuppressions' | 'addressSuppression'> {
  const { stores } = parts;
  const profileAndTimeline = (customerId: string) =>
    Promise.all([stores.profiles.getProfile(customerId), stores.queries.customerTimeline(customerId, 200)]);
  return {
    customers: async () => {
      if (parts.customersSeen.size === 0) {
        for (const message of await allMessages(stores.queries, COUNT_LIMIT)) {
          const seen = parts.customersSeen.get(message.customerId);
          if (seen === undefined || seen < message.createdAt)
            parts.customersSeen.set(message.customerId, message.createdAt);
        }
      }
      return [...parts.customersSeen]
        .map(([id, lastSeen]) => ({ id, lastSeen }))
        .sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
    },
    customer: async (customerId) => {
      const [profile, timeline] = await profileAndTimeline(customerId);
      if (profile === undefined && timeline.messages.length === 0) return undefined;
      return { profile, messages: timeline.messages, replies: timeline.replies };
    },
    customerSuppressions: async (customerId) => {
      const [profile, timeline] = await profileAndTimeline(customerId);
      if (profile === undefined && timeline.messages.length === 0) return undefined;
      const country = parts.defaultCountry();
      const addresses = profile === undefined ? [] : profileAddresses(profile, country);
      for (const message of timeline.messages) {
        if (message.channel === undefined || message.to === undefined) continue;
        const address = suppressionAddress(message.channel, message.to, country);
        if (address !== undefined) addresses.push({ channel: message.channel, address });
      }
      return stores.suppressions.list(addresses);
    },
    addressSuppression: async (channel, raw) => {
      const address = suppressionAddress(channel, raw, parts.defaultCountry());
      return address === undefined ? undefined : stores.suppressions.get(channel, address);
    },
  };
}

/** What the sandboxes captured, newest first. */
function capturedMessages(parts: ConsoleBackendParts, limit: number): CapturedMessage[] {
  const sms: CapturedMessage[] = parts.twilio
    .messages()
    // Rule messages and the HELP/STOP/START answers Twilio sent from the webhook's TwiML.
    .filter((message) => message.direction !== 'inbound')
    .map((message) => ({
      providerId: message.sid,
      channel: 'sms',
      to: message.to,
      at: message.dateCreated.toISOString(),
      summary: message.direction === 'outbound-reply' ? `answer to a reply: ${message.body}` : message.body,
      status: message.status,
    }));
  const email: CapturedMessage[] = parts.sendgrid.messages().flatMap((message) =>
    message.recipients.map((recipient) => ({
      providerId: message.messageId,
      channel: 'email' as const,
      to: recipient.email,
      at: message.receivedAt.toISOString(),
      summary: message.subject ?? '',
      status: 'accepted',
    })),
  );
  return [...sms, ...email].sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, limit);
}

/** The "Try it" form: one event put on the local bus at the runtime's time. */
async function sendTestEvent(
  parts: ConsoleBackendParts,
  event: unknown,
): ReturnType<ConsoleBackend['sendTestEvent']> {
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
  const answer = await parts.bus.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: source,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          Time: parts.clock.now().toJSDate(),
        },
      ],
    }),
  );
  const entry = answer.Entries?.[0];
  if (entry?.EventId === undefined)
    return { ok: false, error: entry?.ErrorMessage ?? 'the bus refused the event' };
  return { ok: true, eventId: entry.EventId };
}

async function allMessages(queries: ConsoleQueries, limit: number): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.listMessages({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < limit);
  return out;
}

/** The first event of each example journey, as a starting point for the "Try it" form. */
function loadSamples(dir: string): SampleEvent[] {
  const samples: SampleEvent[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
        const event = Object.fromEntries(
          Object.entries(value).filter(([key]) => ['source', 'detail-type', 'detail'].includes(key)),
        );
        const type = String(Reflect.get(value, 'detail-type'));
        if (!samples.some((sample) => sample.name.endsWith(type)))
          samples.push({ name: `${file.replace('.jsonl', '')}: ${type}`, event });
      } catch {
        // the deliberately broken demo lines
      }
    }
  }
  return samples;
}

/**
 * A reply from the console's "Try it": attributed to the latest SMS sent to its number. With none,
 * only the keywords that act on the number itself (STOP, START, HELP) mean anything; anything
 * else is refused (422), as the Twilio webhook would find nothing to attribute it to.
 */
async function replyAsCustomer(
  parts: ConsoleBackendParts,
  { from, body }: { from: string; body: string },
): ReturnType<ConsoleBackend['replyAsCustomer']> {
  const attributed = (await parts.stores.messages.findLatestMessageTo(from)) !== undefined;
  const intent = attributed ? undefined : classifyReply(body, parts.keywords());
  const keyword = intent === 'stop' || intent === 'start' || intent === 'help' ? intent : undefined;
  if (!attributed && keyword === undefined) {
    return {
      ok: false,
      error: `no SMS was sent to ${from}: Nudge cannot attribute this reply to a customer or message (only STOP, START and HELP act on a number by itself)`,
    };
  }
  const result = await parts.twilio.sendInbound({ from, to: parts.sender, body });
  if (result.status !== 200) return { ok: false, error: `webhook answered ${result.status ?? 'nothing'}` };
  if (keyword === undefined) return { ok: true };
  return {
    ok: true,
    note: `no SMS was sent to ${from}: ${keyword.toUpperCase()} acted on the number itself, not on a customer or message`,
  };
}
