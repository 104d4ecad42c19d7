import { auditEntryToStore } from '../../app/audit-entry.ts';
import type { AuditEntry, AuditLog, AuditPage } from '../../app/ports/audit.ts';

/**
 * {@link AuditLog} in memory: for the simulator and unit tests. Entries sort as the DynamoDB
 * adapter's do, newest `at` first, then newest recorded first; the cursor is the position of the
 * last entry returned.
 */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: Array<{ entry: AuditEntry; seq: number }> = [];
  private recorded = 0;

  async record(entry: AuditEntry): Promise<void> {
    this.recorded += 1;
    this.entries.push({ entry: auditEntryToStore(entry), seq: this.recorded });
  }

  /** @throws {RangeError} on a cursor this store did not issue. */
  async list(options: { limit: number; cursor?: string }): Promise<AuditPage> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { entries: [] };
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const sorted = [...this.entries].sort((a, b) => position(b).localeCompare(position(a)));
    const rest = after === undefined ? sorted : sorted.filter((item) => position(item) < after);
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    const entries = page.map((item) => structuredClone(item.entry));
    return last !== undefined && rest.length > limit
      ? { entries, cursor: Buffer.from(position(last), 'utf8').toString('base64url') }
      : { entries };
  }
}

/** `at` then the recording order, as one string that sorts like the pair. */
function position(item: { entry: AuditEntry; seq: number }): string {
  return `${item.entry.at}#${String(item.seq).padStart(12, '0')}`;
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T[^#]+#\d{12}$/.test(decoded)) {
    throw new RangeError('audit list: the cursor was not issued by this store');
  }
  return decoded;
}
