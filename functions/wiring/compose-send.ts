/**
 * The send step's part of the composition root (compose.ts): kept apart so the evaluate and
 * webhook functions, which import compose.ts, never bundle the template engine.
 */

import type { EvaluateDeps } from '../app/evaluate-event.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { ChannelSender, OutcomePublisher } from '../app/ports.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import type { SendDeps } from '../app/send-message.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import {
  type CompiledProject,
  composeEvaluate,
  composeWebhook,
  type EvaluateAdapters,
  projectPart,
  type WebhookUseCaseDeps,
} from './compose.ts';

/** The send step's adapters: channels, templates and (optionally) the bus for outcome events. */
export interface SendAdapters extends EvaluateAdapters {
  channels: Readonly<Record<Channel, ChannelSender>>;
  catalog: TemplateCatalog;
  outcomes?: OutcomePublisher;
  /** Stores the send step uses instead of `stores`' (a test wraps one to stage a crash). */
  sendStores?: Partial<Stores>;
  /** Send tuning (tests, the simulator): jitter source, lease, attempts, backoff. */
  tuning?: Pick<SendDeps, 'random' | 'leaseMs' | 'maxAttempts' | 'backoffBaseMs'>;
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
  /**
   * Brings the use cases onto the active rule-set version (see `followActive` in compose.ts); the
   * front door calls it before each event and each send. Absent when the project is fixed (the
   * simulator).
   */
  follow?: () => Promise<unknown>;
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
      const version = { ruleSetVersion: project.ruleSetVersion };
      Object.assign(evaluate, { rules, settings, ...version });
      Object.assign(send, { rules, settings, render: catalogRenderer(project.catalog, settings) });
      Object.assign(webhook, projectPart(project));
    },
  };
}
