/**
 * The one composition root: given the adapters of a front door (the Lambda handlers, the local
 * runtime, the simulator), it builds the dependencies of every use case. The front doors differ
 * only in the adapters they pass; how a use case is wired lives here and nowhere else.
 *
 * A Lambda builds only what its function runs (`composeEvaluate`, `composeWebhook` here;
 * `composeSend` in compose-send.ts, with the template renderer), so the evaluate and webhook
 * functions load neither a provider SDK nor the template engine; the local runtime and the
 * simulator run everything in one process (`composeNudge`, compose-send.ts).
 */
import type { ActiveProject } from '../app/active-project.ts';
import type { EvaluateDeps } from '../app/evaluate-event.ts';
import type { ReplyDeps } from '../app/handle-inbound-reply.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { Clock, OutcomePublisher, SendScheduler } from '../app/ports.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { keywordTable } from '../core/replies/inbound-keywords.ts';
import type { RepliesSettings } from '../core/replies/replies-settings.ts';
import { replyRulesOf } from '../core/replies/reply-attribution.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';

/** The compiled project a use case runs on (rules, settings, and for sending the templates). */
export interface CompiledProject {
  settings: EngineSettings;
  rules: RuleSet;
  /** The rule-set version it was compiled from; recorded on every message planned under it. */
  ruleSetVersion?: number;
}

/** What every front door has: the stores, the clock and the project. */
interface CommonAdapters {
  stores: Stores;
  clock: Clock;
  project: CompiledProject;
}

/** The evaluate step's adapters: the scheduler plans sends. */
export interface EvaluateAdapters extends CommonAdapters {
  scheduler: SendScheduler;
}

/** What the provider webhooks' use cases need (the router adds the secrets and the log). */
export type WebhookUseCaseDeps = Pick<
  ReplyDeps,
  | 'messages'
  | 'profiles'
  | 'inboundReplies'
  | 'suppressions'
  | 'outcomes'
  | 'keywords'
  | 'defaultCountry'
  | 'replyRules'
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
    ...versionOf(adapters.project),
  };
}

/** The version part of the dependencies (absent for an unversioned project, e.g. the simulator's). */
function versionOf(project: CompiledProject): { ruleSetVersion?: number } {
  return project.ruleSetVersion === undefined ? {} : { ruleSetVersion: project.ruleSetVersion };
}

/**
 * Keeps composed dependencies on the active rule-set version: call the returned function before
 * each batch; when the active version changed since the last call, `apply` swaps the new
 * project into the dependency objects (as `Composition.reload` does), so the next record runs
 * it. Reads go through the {@link ActiveProject}'s cache: one pointer read per cache period.
 */
export function followActive<P extends CompiledProject>(
  active: ActiveProject<P>,
  apply: (project: P) => void,
): () => Promise<P> {
  let applied: number | undefined;
  return async () => {
    const { version, project } = await active.current();
    if (version !== applied) {
      apply(project);
      applied = version;
    }
    return project;
  };
}

/** The webhook's use cases' dependencies: replies, provider reports, opt-outs, unsubscribes. */
export function composeWebhook(adapters: {
  stores: Stores;
  clock: Clock;
  outcomes: OutcomePublisher;
  /** The webhook never plans a message: of the rules it reads only which ask a question (`replies:`). */
  project: WebhookProject;
}): WebhookUseCaseDeps {
  return {
    ...adapters.stores,
    outcomes: adapters.outcomes,
    clock: adapters.clock,
    ...projectPart(adapters.project),
  };
}

/** What of the project the webhook reads: the settings, and the rules (compiled or as deployed). */
type WebhookProject = Pick<CompiledProject, 'settings'> & { rules?: RuleSet | ReadonlyArray<Rule> };

/** The project-dependent part of the webhook's dependencies (rebuilt on a reload). */
export function projectPart(project: WebhookProject) {
  const { settings, rules } = project;
  return {
    replyRules: replyRulesOf(rules === undefined ? [] : 'triggers' in rules ? rules.rules.values() : rules),
    keywords: keywordTable(settings.keywords),
    replies: settings.replies,
    defaultLocale: settings.defaults.locale,
    defaultCountry: settings.defaults.country,
  };
}
