/**
 * The ONE behavioural contract of {@link AuditLog}, run against memory, DynamoDB Local and
 * dynalite (through describeStoreContracts): entries come back as recorded, newest first across
 * month partitions, page by page without repeats or gaps, and never with contact data.
 */
import { describe, expect, test } from 'vitest';
import type { AuditEntry, AuditLog } from '../../functions/app/ports/audit.ts';

/** An editor's publish in the contract's month, overridable. */
function anEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: '2026-11-23T08:00:00.000Z',
    actor: { sub: 'sub-ed', name: 'Ed Editor' },
    role: 'publisher',
    action: 'POST /api/rules/:id/publish',
    target: 'renewal-reminder',
    ...overrides,
  };
}

async function everything(log: AuditLog, limit: number): Promise<{ entries: AuditEntry[]; pages: number }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await log.list({ limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.entries);
    cursor = page.cursor;
    pages += 1;
  } while (cursor !== undefined && pages < 50);
  return { entries, pages };
}

/** Runs the audit log contract against a log factory (a fresh, empty log per test). */
export function describeAuditLogContract(name: string, makeLog: () => Promise<AuditLog>): void {
  describe(`AuditLog contract: ${name}`, () => {
    test('an empty log lists nothing and ends', async () => {
      const log = await makeLog();

      const page = await log.list({ limit: 10 });

      expect(page).toEqual({ entries: [] });
    });

    test('an entry comes back as recorded, its instant in UTC, absent fields absent', async () => {
      const log = await makeLog();

      await log.record(anEntry({ at: '2026-11-23T09:30:00+01:00', target: undefined, detail: 'version 7' }));

      const { entries } = await everything(log, 10);
      expect(entries).toEqual([
        {
          at: '2026-11-23T08:30:00.000Z',
          actor: { sub: 'sub-ed', name: 'Ed Editor' },
          role: 'publisher',
          action: 'POST /api/rules/:id/publish',
          detail: 'version 7',
        },
      ]);
    });

    test('newest first across months; of one instant, the later recorded first', async () => {
      const log = await makeLog();
      await log.record(anEntry({ at: '2026-10-02T10:00:00.000Z', target: 'october' }));
      await log.record(anEntry({ at: '2026-11-20T10:00:00.000Z', target: 'same-instant-first' }));
      await log.record(anEntry({ at: '2026-11-20T10:00:00.000Z', target: 'same-instant-second' }));
      await log.record(anEntry({ at: '2026-11-22T10:00:00.000Z', target: 'newest' }));
      await log.record(anEntry({ at: '2026-08-30T10:00:00.000Z', target: 'august' }));

      const { entries } = await everything(log, 10);

      expect(entries.map((entry) => entry.target)).toEqual([
        'newest',
        'same-instant-second',
        'same-instant-first',
        'october',
        'august',
      ]);
    });

    test('pages of two walk the whole trail once, in order, across a month with nothing', async () => {
      const log = await makeLog();
      const targets = ['t1', 't2', 't3', 't4', 't5'];
      const days = ['2026-11-21', '2026-11-10', '2026-11-01', '2026-09-15', '2026-09-14'];
      for (const [index, target] of targets.entries()) {
        await log.record(anEntry({ at: `${days[index]}T12:00:00.000Z`, target }));
      }

      const { entries, pages } = await everything(log, 2);

      expect(entries.map((entry) => entry.target)).toEqual(targets);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    test('phone numbers and emails in target and detail are never stored', async () => {
      const log = await makeLog();

      await log.record(
        anEntry({
          role: 'privacy',
          action: 'POST /api/customers/:id/erase',
          target: '+46701234567',
          detail: 'erased everything of anna@example.se',
        }),
      );

      const [entry] = (await log.list({ limit: 1 })).entries;
      const stored = JSON.stringify(entry);
      expect(stored).not.toContain('46701234567');
      expect(stored).not.toContain('anna@example.se');
      expect(entry?.target).toMatch(/^\+46\d?\*+\d{2}$/);
      expect(entry?.detail).toMatch(/^erased everything of a\*+@/);
    });

    test('a cursor the log did not issue is refused', async () => {
      const log = await makeLog();
      await log.record(anEntry());

      await expect(log.list({ limit: 1, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(/cursor/);
    });
  });
}
