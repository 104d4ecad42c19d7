import { withAddressSuppressions } from '../app/address-suppressions.ts';
import { cancelScheduledMessage, listPendingSends, provisionalPreview } from '../app/pending-sends.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { Clock, SendScheduler } from '../app/ports.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { ConsoleBackend } from './console-backend.ts';

/** What both console backends give the pending-sends reads. */
export interface PendingReadsDeps {
  stores: Pick<Stores, 'messages' | 'profiles' | 'suppressions' | 'queries' | 'pending'>;
  /** The rules the console shows (the listing queries each one's `due` index). */
  rules: () => readonly Rule[];
  clock: Clock;
  /** Where pending sends wait: a cancel by hand removes the schedule too, when there is one. */
  scheduler?: SendScheduler;
  /** The templates and settings a provisional preview renders with; undefined: no preview. */
  project: () => { catalog: TemplateCatalog; settings: EngineSettings } | undefined;
}

/**
 * Pending sends as both console backends serve them (functions/app/pending-sends.ts): the
 * listing, cancel by hand, and a scheduled message's provisional preview.
 */
export function pendingReads(
  deps: PendingReadsDeps,
): Pick<ConsoleBackend, 'pendingSends' | 'cancelMessage' | 'provisionalPreview'> {
  const { stores } = deps;
  return {
    pendingSends: (query) =>
      listPendingSends({ ...query, ruleIds: deps.rules().map((rule) => rule.id) }, stores),
    // Without a schedule to remove, the send that fires later finds it cancelled and does nothing.
    cancelMessage: (messageId) =>
      cancelScheduledMessage(messageId, undefined, {
        messages: stores.messages,
        clock: deps.clock,
        ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
      }),
    provisionalPreview: async (messageId) => {
      const record = await stores.messages.getMessage(messageId);
      const project = deps.project();
      if (record?.status !== 'scheduled' || project === undefined) return undefined;
      const rule = deps.rules().find((candidate) => candidate.id === record.ruleId);
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
