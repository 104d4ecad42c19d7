import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import { HeapScheduler, StreamingMessageStore } from '../../../functions/simulator/backtest-store.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

describe('the backtest message store', () => {
  it('hands a settled message to its listener and forgets it; a scheduled one stays, found by correlation key', async () => {
    const settled: MessageRecord[] = [];
    const store = new StreamingMessageStore((record) => settled.push(record));

    await store.createMessage(
      aMessageRecord({ messageId: 'm-held', status: 'suppressed', reason: 'outside-window' }),
    );
    await store.createMessage(aMessageRecord({ messageId: 'm-wait', correlationKey: 'reminder#R-1' }));

    expect(settled.map((record) => record.messageId)).toEqual(['m-held']);
    expect(await store.getMessage('m-held')).toBeUndefined();
    expect((await store.findPending('reminder#R-1')).map((record) => record.messageId)).toEqual(['m-wait']);

    await store.transition('m-wait', ['scheduled'], {
      at: '2026-11-23T09:00:00.000Z',
      status: 'cancelled',
      reason: 'closed-by-event',
    });

    expect(settled.map((record) => `${record.messageId}:${record.status}`)).toEqual([
      'm-held:suppressed',
      'm-wait:cancelled',
    ]);
    expect(await store.findPending('reminder#R-1')).toEqual([]);
    expect([...store.unsettled()]).toEqual([]);
  });
});

describe('the backtest scheduler', () => {
  it('gives due sends in time order (ties by id), skips cancelled and moved ones, and none not yet due', async () => {
    const scheduler = new HeapScheduler();
    const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
    await scheduler.schedule('c', at('2026-11-24T10:00:00Z'));
    await scheduler.schedule('b', at('2026-11-24T09:00:00Z'));
    await scheduler.schedule('a', at('2026-11-24T09:00:00Z'));
    await scheduler.schedule('gone', at('2026-11-24T08:00:00Z'));
    await scheduler.cancel('gone');
    await scheduler.schedule('moved', at('2026-11-24T08:30:00Z'));
    await scheduler.schedule('moved', at('2026-11-24T11:00:00Z'));
    const until = (iso: string) => {
      const taken: string[] = [];
      for (
        let next = scheduler.takeDue(at(iso).toMillis());
        next !== undefined;
        next = scheduler.takeDue(at(iso).toMillis())
      )
        taken.push(next.messageId);
      return taken;
    };

    expect(until('2026-11-24T09:30:00Z')).toEqual(['a', 'b']);
    expect(until('2026-11-24T12:00:00Z')).toEqual(['c', 'moved']);
    expect(until('2026-11-25T00:00:00Z')).toEqual([]);
  });
});
