/** One write made through the console, as the audit keeps it. Never any customer contact data. */
export interface AuditEntry {
  /** ISO UTC instant of the write. */
  at: string;
  /** Who: the issuer's subject and the name shown for it. */
  actor: { sub: string; name: string };
  /** The role the write was allowed under (`editor`, `publisher`, `privacy`, …). */
  role: string;
  /** What: the method and the route, e.g. `POST /api/rules/:id/publish`. */
  action: string;
  /** The id the write was about (a rule, a message, a customer), when the route names one. */
  target?: string;
  /** A short note the route adds (`version 7`); phone numbers and emails are masked before storing. */
  detail?: string;
}

/** A page of {@link AuditEntry}s, newest first; no cursor = the end. */
export interface AuditPage {
  entries: AuditEntry[];
  cursor?: string;
}

/**
 * The console's audit trail: every write that succeeded, who made it, when and under which role.
 * Entries are append-only and kept for good (no retention), and never hold contact data: every
 * implementation masks phone numbers and email addresses in `target` and `detail` when recording.
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /**
   * Newest first by `at` (entries of the same instant newest-recorded first); `cursor` continues
   * a previous page. Pages never repeat or skip an entry. An unknown cursor is an error.
   */
  list(options: { limit: number; cursor?: string }): Promise<AuditPage>;
}
