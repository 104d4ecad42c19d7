import type { Channel } from '../core/rules/rule-schema.ts';

/** The outcome of one send attempt, for logs and metrics. */
export type SendOutcome =
  | {
      kind: 'sent';
      messageId: string;
      providerId: string;
      channel: Channel;
      /**
       * How `sent` was recorded when not in full: `minimal` (the record outgrew the store; its
       * rendered text and trigger detail were dropped) or `not-recorded` (that failed too), with
       * the store's error (masked) in `detail`. Never sent again either way.
       */
      recorded?: 'minimal' | 'not-recorded';
      detail?: string;
    }
  | { kind: 'suppressed' | 'failed'; messageId: string; reason: string }
  | { kind: 'deferred' | 'retrying'; messageId: string; until: string }
  | {
      kind: 'skipped';
      messageId: string;
      /** `lease-lost`: this sender's lease lapsed and another sender claimed the message. */
      why: 'not-found' | 'not-due' | 'already-handled' | 'in-flight' | 'lease-lost';
      /** For `lease-lost` after the provider accepted: its id (docs/guarantees.md, lapsed leases). */
      providerId?: string;
    };

/** This sender's claim lapsed and another sender holds the message: its outcome is the record's. */
export function leaseLost(messageId: string, providerId?: string): SendOutcome {
  return {
    kind: 'skipped',
    messageId,
    why: 'lease-lost',
    ...(providerId === undefined ? {} : { providerId }),
  };
}
