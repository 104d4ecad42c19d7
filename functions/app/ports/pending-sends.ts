import type { MessageRecord } from '../message-record.ts';

/** Which scheduled messages to list: of these rules, due in [from, to] (ISO UTC, both optional). */
export interface PendingQuery {
  ruleIds: ReadonlyArray<string>;
  from?: string;
  to?: string;
  limit: number;
  /** Continues a previous page (opaque). */
  cursor?: string;
}

/** Scheduled messages by rule and due time, from an index (never a scan of every message). */
export interface PendingSends {
  /**
   * Scheduled messages of `ruleIds` due in the window, soonest first (by `sendAt`, then id), at
   * most `limit`; `cursor` when there may be more. Pages never repeat or skip a message that
   * stays scheduled; one that was claimed or cancelled meanwhile is left out (a page may be short).
   */
  listPending(query: PendingQuery): Promise<{ items: MessageRecord[]; cursor?: string }>;
}
