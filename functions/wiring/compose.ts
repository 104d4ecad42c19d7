/**
 * The one composition root: given the adapters of a front door (the Lambda handlers, the local
 * runtime, the simulator), it builds the dependencies of every use case. The front doors differ
 * only in the adapters they pass; how a use case is wired lives here and nowhere else.
 *
 * A Lambda builds only what its function runs (`composeEvaluate`, `composeSend`,
 * `composeWebhook`), so the evaluate and webhook functions never load a provider SDK; the local
 * runtime and the simulator run everything in one process (`composeNudge`).
 */
import type { EvaluateDeps } from '../app/evaluate-event.ts';
import type { ReplyDeps } from '../app/handle-inbound-reply.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { ChannelSender, Clock, OutcomePublisher, SendScheduler } from '../app/ports.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import type { SendDeps } from '../app/send-message.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import { keywordTable } from '../core/replies/inbound-keywords.ts';
import type { RepliesSettings } from '../core/replies/reply-answers.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';

/** The compiled project a use case runs on (rules, settings, and for sending the templates). */
export interface CompiledProject {
  settings: EngineSettings;
  rules: RuleSet;
}

/** What every front door has: the stores, the clock and the project. */
interface CommonAdapters {
  stores: Stores;
  clock: Clock;
  project: CompiledProject;
}

/** The evaluate step's adapters: the scheduler plans sends. */
interface EvaluateAdapters extends CommonAdapters {
  scheduler: SendScheduler;
}

/** The send step's adapters: channels, templates and (optionally) the bus for outcome events. */
interface SendAdapters extends EvaluateAdapters {
  channels: Readonly<Record<Channel, ChannelSender>>;
  catalog: TemplateCatalog;
  outcomes?: OutcomePublisher;
  /** Stores the send step uses instead of `stores`' (a test wraps one to stage a crash). */
  sendStores?: Partial<Stores>;
  /** Send tuning (tests, the simulator): jitter source, lease, attempts, backoff. */
  tuning?: Pick<SendDeps, 'random' | 'leaseMs' | 'maxAttempts' | 'backoffBaseMs'>;
}

/** What the provider webhooks' use cases need (the router adds the secrets and the log). */
export type WebhookUseCaseDeps = Pick<
  ReplyDeps,
  'messages' | 'profiles' | 'inboundReplies' | 'suppressions' | 'outcomes' | 'keywords' | 'defaultCountry'
> &
  Pick<Stores, 'caps'> & {
    clock: Clock;
    replies: RepliesSettings;
    defaultLocale: string;
  };

/** The evaluate step's dependencies. */
export function composeEvaluate(adapters: EvaluateAdapters): EvaluateDeps {
  return {
    ...adapters.stores,
    scheduler: adapters.scheduler,
    clock: adapters.clock,
    settings: adapters.project.settings,
    rules: adapters.project.rules,
  };
}

/** The send step's dependencies. */
export function composeSend(adapters: SendAdapters): SendDeps {
  return {
    ...adapters.stores,
    ...adapters.sendStores,
    ...adapters.tuning,
    scheduler: adapters.scheduler,
    clock: adapters.clock,
    settings: adapters.project.settings,
    rules: adapters.project.rules,
    channels: adapters.channels,
    render: catalogRenderer(adapters.catalog, adapters.project.settings),
    ...(adapters.outcomes === undefined ? {} : { outcomes: adapters.outcomes }),
  };
}

/** The webhook's use cases' dependencies: replies, provider reports, opt-outs, unsubscribes. */
export function composeWebhook(adapters: {
  stores: Stores;
  clock: Clock;
  outcomes: OutcomePublisher;
  /** Rules are not needed: the webhook never plans a message. */
  project: Pick<CompiledProject, 'settings'>;
}): WebhookUseCaseDeps {
  return {
    ...adapters.stores,
    outcomes: adapters.outcomes,
    clock: adapters.clock,
    ...projectPart(adapters.project),
  };
}

/** The settings-dependent part of the webhook's dependencies (rebuilt on a reload). */
function projectPart(project: Pick<CompiledProject, 'settings'>) {
  const { settings } = project;
  return {
    keywords: keywordTable(settings.keywords),
    replies: settings.replies,
    defaultLocale: settings.defaults.locale,
    defaultCountry: settings.defaults.country,
  };
}

/** Every use case of one process (the local runtime, the simulator). */
export interface Composition {
  evaluate: EvaluateDeps;
  send: SendDeps;
  webhook: WebhookUseCaseDeps;
  /**
   * Swaps in a new project (hot reload): the same dependency objects, so a router or queue that
   * holds them runs the new rules, settings and templates from the next call on.
   */
  reload(project: CompiledProject & { catalog: TemplateCatalog }): void;
}

/** Builds every use case over one set of adapters. */
export function composeNudge(adapters: SendAdapters & { outcomes: OutcomePublisher }): Composition {
  const evaluate = composeEvaluate(adapters);
  const send = composeSend(adapters);
  const webhook = composeWebhook(adapters);
  return {
    evaluate,
    send,
    webhook,
    reload(project) {
      const { settings, rules } = project;
      Object.assign(evaluate, { rules, settings });
      Object.assign(send, { rules, settings, render: catalogRenderer(project.catalog, settings) });
      Object.assign(webhook, projectPart(project));
    },
  };
}
