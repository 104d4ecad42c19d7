import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { handleInboundReply } from '../../../functions/app/handle-inbound-reply.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import { replyRulesOf } from '../../../functions/core/replies/reply-attribution.ts';
import { sentMessage } from '../../support/store-contract-fixtures.ts';

const PHONE = '+46701234567';

async function harness() {
  const stores = createMemoryStores();
  const events: OutcomeEvent[] = [];
  const outcomes: OutcomePublisher = { publish: async (batch) => void events.push(...batch) };
  const replyRules = replyRulesOf([
    { id: 'survey', replies: { expect: 'score', within: 'P3D' } },
    { id: 'attended', replies: { expect: 'yes-no', within: 'P1D' } },
    { id: 'confirm' },
  ]);
  const deps = {
    ...stores,
    suppressions: new MemorySuppressionStore(),
    outcomes,
    keywords: keywordTable(),
    replyRules,
  };
  let serial = 0;
  const reply = (body: string, receivedAt: string) =>
    handleInboundReply({ replyId: `SM-in-${++serial}`, from: PHONE, body, receivedAt }, deps);
  const answers = () =>
    events.filter((event) => event.detailType === 'SurveyAnswered').map((event) => event.detail);
  return { stores, reply, answers };
}

describe('survey replies (memory stores)', () => {
  it('a YES answers the open yes-no question, not the newer score survey; a digit answers the survey', async () => {
    const { stores, reply, answers } = await harness();
    await sentMessage(stores, { messageId: 'm-attended', ruleId: 'attended' }, '2026-11-23T08:00:00.000Z');
    await sentMessage(stores, { messageId: 'm-survey', ruleId: 'survey' }, '2026-11-23T09:00:00.000Z');
    await sentMessage(stores, { messageId: 'm-confirm', ruleId: 'confirm' }, '2026-11-23T10:00:00.000Z');

    const yes = await reply('Ja', '2026-11-23T11:00:00.000Z');
    const four = await reply('fyra', '2026-11-23T11:05:00.000Z');

    expect(yes.reply).toMatchObject({ messageId: 'm-attended', attribution: 'question', score: 1 });
    expect(four.reply).toMatchObject({ messageId: 'm-survey', attribution: 'question', score: 4 });
    expect(answers().map((detail) => [detail.messageId, detail.score, detail.text])).toEqual([
      ['m-attended', 1, 'Ja'],
      ['m-survey', 4, 'fyra'],
    ]);
  });

  it('STOP stays with the latest message and answers no survey', async () => {
    const { stores, reply, answers } = await harness();
    await sentMessage(stores, { messageId: 'm-survey', ruleId: 'survey' }, '2026-11-23T09:00:00.000Z');
    await sentMessage(stores, { messageId: 'm-confirm', ruleId: 'confirm' }, '2026-11-23T10:00:00.000Z');

    const stop = await reply('STOP', '2026-11-23T11:00:00.000Z');

    expect(stop.reply).toMatchObject({
      messageId: 'm-confirm',
      attribution: 'latest-message',
      intent: 'stop',
    });
    expect(stop.reply.score).toBeUndefined();
    expect(answers()).toEqual([]);
  });
});
