import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { SendScheduler } from '../../functions/app/ports.ts';
import type { PrivacyDeps } from '../../functions/app/privacy/customer-holdings.ts';
import { eraseCustomer } from '../../functions/app/privacy/erase-customer.ts';
import { exportCustomer } from '../../functions/app/privacy/export-customer.ts';
import { ruleEffect } from '../../functions/app/rule-effect.ts';
import type {
  CapturedMessage,
  ConsoleBackend,
  SampleEvent,
} from '../../functions/console/console-backend.ts';
import { pendingReads } from '../../functions/console/pending-reads.ts';
import { ruleCounterReads } from '../../functions/console/rule-counter-reads.ts';
import type { RuleSetConsole } from '../../functions/console/rule-set-console.ts';
import {
  type ConsoleStores,
  consoleRule,
  customerReads,
  customersOf,
  recentMessages,
  testEventEntry,
} from '../../functions/console/store-reads.ts';
import type { EngineSettings } from '../../functions/core/config/engine-settings.ts';
import type { TemplateCatalog } from '../../functions/core/messages/index.ts';
import { classifyReply, type KeywordTable } from '../../functions/core/replies/inbound-keywords.ts';
import type { LoadedRule } from '../../functions/core/rules/parse-rule-files.ts';
import type { SendGridSandbox, TwilioSandbox } from '../sandboxes/index.ts';

/** What the console backend reads from the running runtime. */
export interface ConsoleBackendParts {
  /** The stores it reads (and, for privacy requests, erases). */
  stores: ConsoleStores & Pick<Stores, 'caps' | 'dedupe' | 'customerIndex' | 'goals' | 'ruleSets' | 'events'>;
  /** The rule editor's publish gate and what follows a console publish (the runtime re-reads the pointer). */
  ruleSetHooks?: Pick<RuleSetConsole, 'gate' | 'moved'>;
  /** Where pending sends wait: a privacy erase deletes hers, a cancel by hand the one message's. */
  scheduler: SendScheduler;
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

/** The console's view of the local runtime: the stores, the sandboxes and the bus, nothing else. */
export function createConsoleBackend(parts: ConsoleBackendParts): ConsoleBackend {
  const { stores } = parts;
  const counters = ruleCounterReads({
    stores,
    ruleIds: () => parts.rules().map((loaded) => loaded.rule.id),
    clock: parts.clock,
  });
  return {
    clock: () => ({ now: parts.clock.now().toUTC().toISO() ?? '', speed: parts.clock.speed }),
    ruleIssues: () => parts.issues(),
    rules: async () => {
      const messages = await recentMessages(stores.queries, COUNT_LIMIT);
      const loaded = parts.rules();
      const reports = await Promise.all(loaded.map((rule) => counters.rulesPage(rule.rule.id)));
      return loaded.map((rule, index) =>
        consoleRule(rule.rule, `${rule.file}:${rule.line}`, messages, reports[index]),
      );
    },
    ruleStats: counters.ruleStats,
    activeRuleSet: async () => {
      const active = await stores.ruleSets.active();
      return active === undefined ? undefined : { version: active.version, ...active.lastMove };
    },
    listMessages: (options) => stores.queries.listMessages(options),
    getMessage: (messageId) => stores.messages.getMessage(messageId),
    ...pendingReads({
      stores,
      rules: () => parts.rules().map((loaded) => loaded.rule),
      clock: parts.clock,
      scheduler: parts.scheduler,
      project: () => parts.project?.(),
    }),
    ...customerPages(parts),
    rejected: (limit) => stores.queries.listRejected(limit),
    captured: async (limit) => capturedMessages(parts, limit),
    samples: () => loadSamples(parts.examplesDir),
    sendTestEvent: (event) => sendTestEvent(parts, event),
    replyAsCustomer: (reply) => replyAsCustomer(parts, reply),
    endpoints: () => parts.endpoints(),
    ruleEffect: async (ruleId, range) =>
      parts.rules().some((loaded) => loaded.rule.id === ruleId)
        ? ruleEffect(stores.goals, ruleId, range)
        : undefined,
    ruleSetConsole: { store: stores.ruleSets, archive: stores.events, ...parts.ruleSetHooks },
    exportCustomer: (customerId) => exportCustomer(customerId, privacyDeps(parts)),
    eraseCustomer: async (customerId, request) => {
      const result = await eraseCustomer(customerId, request, privacyDeps(parts));
      if (result.outcome === 'erased') parts.customersSeen.delete(customerId);
      return result;
    },
  };
}

/** The privacy use cases' ports: the runtime's stores, clock and scheduler. */
function privacyDeps(parts: ConsoleBackendParts): PrivacyDeps {
  return {
    ...parts.stores,
    clock: parts.clock,
    defaultCountry: parts.defaultCountry(),
    scheduler: parts.scheduler,
  };
}

/** The customer pages: who was seen, one customer's timeline, and their addresses' suppressions. */
function customerPages(
  parts: ConsoleBackendParts,
): Pick<
  ConsoleBackend,
  'customers' | 'customer' | 'customerActivity' | 'customerSuppressions' | 'addressSuppression'
> {
  return {
    customers: async () => {
      // The runtime notes every customer it sees; read the messages only when it has seen none yet.
      const messages =
        parts.customersSeen.size === 0 ? await recentMessages(parts.stores.queries, COUNT_LIMIT) : [];
      return customersOf(messages, parts.customersSeen);
    },
    ...customerReads(parts.stores, parts.defaultCountry),
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
  const entry = testEventEntry(event);
  if (!entry.ok) return entry;
  const answer = await parts.bus.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: entry.source,
          DetailType: entry.detailType,
          Detail: entry.detail,
          Time: parts.clock.now().toJSDate(),
        },
      ],
    }),
  );
  const answered = answer.Entries?.[0];
  if (answered?.EventId === undefined)
    return { ok: false, error: answered?.ErrorMessage ?? 'the bus refused the event' };
  return { ok: true, eventId: answered.EventId };
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
