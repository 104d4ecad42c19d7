import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import type { Stores } from '../app/ports/stores.ts';
import type { SendScheduler } from '../app/ports.ts';
import type { PrivacyDeps } from '../app/privacy/customer-holdings.ts';
import { eraseCustomer } from '../app/privacy/erase-customer.ts';
import { exportCustomer } from '../app/privacy/export-customer.ts';
import { ruleEffect } from '../app/rule-effect.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { buildTemplateCatalog, type TemplateCatalog } from '../core/messages/index.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { ConsoleBackend, SampleEvent } from './console-backend.ts';
import { pendingReads } from './pending-reads.ts';
import { ruleCounterReads } from './rule-counter-reads.ts';
import type { RuleSetConsole } from './rule-set-console.ts';
import {
  type ConsoleStores,
  consoleRule,
  customerReads,
  customersOf,
  recentMessages,
  testEventEntry,
} from './store-reads.ts';

/** What the deployed console reads and where its test events go. */
export interface StoresConsoleBackendDeps {
  stores: ConsoleStores & Pick<Stores, 'caps' | 'dedupe' | 'customerIndex' | 'goals'>;
  /** Where pending sends wait (EventBridge Scheduler): a privacy erase deletes hers. */
  scheduler?: SendScheduler;
  /**
   * The project deployed with the stack (validated at synthesis, so it has no issues to show);
   * its templates (path → text) render a scheduled message's provisional preview.
   */
  project: { settings: EngineSettings; rules: readonly Rule[]; templates?: Readonly<Record<string, string>> };
  /** The journey bus: "Try it" puts its events there, as the company's systems do. */
  bus: { client: EventBridgeClient; name: string };
  /** The console's public URL (shown in the header). */
  publicUrl: string;
  now: () => Date;
  samples?: SampleEvent[];
  /** Rule-set versions for the rule editor (the table's store, the event archive, the gate). */
  ruleSetConsole?: RuleSetConsole;
}

/** Most messages the rules and customers pages read (a listing, not analytics: counts come from the rule counters). */
const READ_LIMIT = 1000;

/** Shown on "Try it" in AWS, where messages go to real phones and inboxes. */
const CAPTURED_NOTE =
  'Nothing is captured here: the deployed console sends through the real Twilio and SendGrid. See the outbox and each customer timeline for what was sent.';

/** Why replying as a customer is refused in AWS. */
const REPLY_REFUSED =
  'Replying as a customer is a sandbox feature of the local console (npm start): in AWS, replies come from real phones through the Twilio webhook.';

/**
 * The console's backend in AWS: the rules of the deployed project, messages, customers,
 * suppressions and rejected inputs from the Stores (DynamoDB), test events through PutEvents to
 * the journey bus. There are no sandboxes, so nothing is captured and no reply can be faked.
 */
export function createStoresConsoleBackend(deps: StoresConsoleBackendDeps): ConsoleBackend {
  const { stores } = deps;
  const clock = { now: () => DateTime.fromJSDate(deps.now(), { zone: 'utc' }) };
  const counters = ruleCounterReads({
    stores,
    ruleIds: () => deps.project.rules.map((rule) => rule.id),
    clock,
  });
  return {
    clock: () => ({ now: deps.now().toISOString(), speed: 1 }),
    ruleIssues: () => [],
    rules: async () => {
      const messages = await recentMessages(stores.queries, READ_LIMIT);
      const reports = await Promise.all(deps.project.rules.map((rule) => counters.rulesPage(rule.id)));
      return deps.project.rules.map((rule, index) =>
        consoleRule(rule, 'deployed project', messages, reports[index]),
      );
    },
    ruleStats: counters.ruleStats,
    listMessages: (options) => stores.queries.listMessages(options),
    getMessage: (messageId) => stores.messages.getMessage(messageId),
    ...pendingReads({
      stores,
      rules: () => deps.project.rules,
      clock,
      ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
      project: deployedTemplates(deps.project),
    }),
    customers: async () => customersOf(await recentMessages(stores.queries, READ_LIMIT)),
    ...customerReads(stores, () => deps.project.settings.defaults.country),
    rejected: (limit) => stores.queries.listRejected(limit),
    captured: async () => [],
    capturedNote: () => CAPTURED_NOTE,
    samples: () => deps.samples ?? [],
    sendTestEvent: async (event) => {
      const entry = testEventEntry(event);
      if (!entry.ok) return entry;
      const answer = await deps.bus.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: deps.bus.name,
              Source: entry.source,
              DetailType: entry.detailType,
              Detail: entry.detail,
            },
          ],
        }),
      );
      const answered = answer.Entries?.[0];
      if (answered?.EventId === undefined)
        return { ok: false, error: answered?.ErrorMessage ?? 'the bus refused the event' };
      return { ok: true, eventId: answered.EventId };
    },
    replyAsCustomer: async () => ({ ok: false, error: REPLY_REFUSED }),
    ruleEffect: async (ruleId, range) =>
      deps.project.rules.some((rule) => rule.id === ruleId)
        ? ruleEffect(stores.goals, ruleId, range)
        : undefined,
    ...(deps.ruleSetConsole === undefined ? {} : { ruleSetConsole: deps.ruleSetConsole }),
    exportCustomer: (customerId) => exportCustomer(customerId, privacyDeps(deps)),
    eraseCustomer: (customerId, request) => eraseCustomer(customerId, request, privacyDeps(deps)),
    endpoints: () => ({
      console: deps.publicUrl,
      events: `EventBridge bus ${deps.bus.name}`,
      twilio: 'live (no sandbox)',
      sendgrid: 'live (no sandbox)',
    }),
  };
}

/**
 * The deployed templates as a catalog, built on the first provisional preview (validated at
 * synthesis); undefined when the project carries no templates.
 */
function deployedTemplates(
  project: StoresConsoleBackendDeps['project'],
): () => { catalog: TemplateCatalog; settings: EngineSettings } | undefined {
  let catalog: TemplateCatalog | undefined;
  return () => {
    if (project.templates === undefined) return undefined;
    catalog ??= buildTemplateCatalog(project.templates).catalog;
    return { catalog, settings: project.settings };
  };
}

/** The privacy use cases' ports: the console's stores, the wall clock and the scheduler. */
function privacyDeps(deps: StoresConsoleBackendDeps): PrivacyDeps {
  return {
    ...deps.stores,
    clock: { now: () => DateTime.fromJSDate(deps.now(), { zone: 'utc' }) },
    defaultCountry: deps.project.settings.defaults.country,
    ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
  };
}
