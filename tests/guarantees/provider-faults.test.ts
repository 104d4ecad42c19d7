import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord, MessageStatus } from '../../functions/app/message-record.ts';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import { generateJourneyStream } from './support/journey-stream.ts';
import {
  allMessages,
  providerAcceptsByMessage,
  runTimeline,
  startFrozenRuntime,
  type TimelineEntry,
  timeOf,
} from './support/runtime-driver.ts';
import { SUITE_TIMEOUT_MS, sized } from './support/scale.ts';

// Guarantee: every matched event ends in a recorded terminal outcome, whatever the providers do:
// sent/delivered, or failed with a reason after the retry bound (5 attempts), or dead-lettered.
// Nothing is sent twice, except where the provider accepted a request whose answer was lost
// (the documented at-least-once policy, docs/guarantees.md); those are counted apart.
const SEED = 20_270_301;
const EVENTS = sized(300, 3_000);
const START = DateTime.fromISO('2027-03-01T00:00:00Z', { zone: 'utc' });
const DAYS = 6;
const FAULT_RATE = 0.1;
const TERMINAL: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'bounced',
  'suppressed',
  'cancelled',
  'held-out',
]);

let runtime: LocalRuntime;

beforeAll(async () => {
  // A hung request counts as a timeout after 1 s (the default is 5 s): same path, shorter wait.
  runtime = await startFrozenRuntime(START, { providerTimeoutMs: 1_000 });
}, 120_000);

afterAll(async () => runtime?.stop());

/** `network` retries in a record's history: the request got no answer (timeout, dropped). */
function unanswered(record: MessageRecord): number {
  return record.history.filter(
    (step) => step.reason === 'retry' && step.detail?.startsWith('network') === true,
  ).length;
}

describe('2 provider faults', () => {
  it(
    'rate limits with Retry-After, 5xx, slow answers, timeouts, lost answers and outages: every message ends terminal, none sent twice but for lost answers',
    async ({ task }) => {
      // Arrange
      console.info(`provider faults: seed ${SEED}, ${EVENTS} events, fault rate ${FAULT_RATE}`);
      const stream = generateJourneyStream({ seed: SEED, events: EVENTS, start: START, days: DAYS });
      const { twilio, sendgrid } = runtime;
      const day = (n: number, hours = 0) => START.plus({ days: n, hours });
      const injected = { hung: 0, lost: 0 };
      const faults: TimelineEntry[] = [
        // Days 0–2: Twilio rate-limits (429, Retry-After 2 s), SendGrid fails (500).
        {
          at: START,
          run: async () => {
            twilio.faults.failRate({
              rate: FAULT_RATE,
              seed: SEED,
              failure: { status: 429, retryAfterSeconds: 2 },
            });
            sendgrid.faults.failRate({ rate: FAULT_RATE, seed: SEED + 1, failure: { status: 500 } });
          },
        },
        // Days 2–4: the other way round, and every answer is slow.
        {
          at: day(2),
          run: async () => {
            twilio.faults.failRate({ rate: FAULT_RATE, seed: SEED + 2, failure: { status: 500 } });
            sendgrid.faults.failRate({
              rate: FAULT_RATE,
              seed: SEED + 3,
              failure: { status: 429, retryAfterSeconds: 3 },
            });
            twilio.faults.setLatency(150);
            sendgrid.faults.setLatency(150);
          },
        },
        // Day 3, 05:00 UTC: a Twilio outage of four hours (past the retry bound; it covers the
        // morning's window openings) and a SendGrid outage of 20 seconds (within it).
        {
          at: day(3, 5),
          run: async () => {
            twilio.faults.outage({ durationMs: 4 * 3_600_000 });
            sendgrid.faults.outage({ durationMs: 20_000 });
          },
        },
        // Day 4: answers fast again; some requests hang until the SDK times out and some
        // are accepted with the answer lost on the way back.
        {
          at: day(4),
          run: async () => {
            twilio.faults.setLatency(0);
            sendgrid.faults.setLatency(0);
            twilio.faults.hangNext(2);
            sendgrid.faults.hangNext(1);
            twilio.faults.loseAnswerNext(sized(6, 20));
            sendgrid.faults.loseAnswerNext(sized(4, 12));
            injected.hung += 3;
            injected.lost += sized(10, 32);
          },
        },
      ];
      const entries: TimelineEntry[] = [
        ...faults,
        ...stream.events.map((event) => ({
          at: timeOf(event),
          run: async () => void (await runtime.evaluate(event)),
        })),
      ];

      // Act
      const timeline = await runTimeline(runtime, entries);

      // Assert
      const records = await allMessages(runtime.stores);
      const accepts = providerAcceptsByMessage(runtime);
      const counts = { twilio: twilio.faults.counts(), sendgrid: sendgrid.faults.counts() };
      const nonTerminal = records.filter((record) => !TERMINAL.has(record.status));
      const dead = new Set(runtime.deadLetters().map((letter) => letter.messageId));
      const duplicated = records.filter((record) => (accepts.get(record.messageId) ?? 0) > 1);
      const unexplained = duplicated.filter((record) => unanswered(record) === 0);
      const sentTwiceForLostAnswers = duplicated.length - unexplained.length;
      const extraAccepts = duplicated.reduce(
        (sum, record) => sum + (accepts.get(record.messageId) ?? 0) - 1,
        0,
      );
      const failed = records.filter((record) => record.status === 'failed');
      const failedReasons = new Map<string, number>();
      for (const record of failed)
        failedReasons.set(record.reason ?? '?', (failedReasons.get(record.reason ?? '?') ?? 0) + 1);
      const retried = records.filter((record) =>
        record.history.some((step) => step.reason === 'retry'),
      ).length;
      const delivered = records.filter(
        (record) => record.status === 'delivered' || record.status === 'sent',
      ).length;
      recordFigures(task, {
        suite: '2 provider faults',
        seed: SEED,
        injected: cells([
          ['events', stream.events.length],
          ['provider requests', counts.twilio.seen + counts.sendgrid.seen],
          [
            `failed at ${FAULT_RATE * 100}% (429 + Retry-After, 500)`,
            counts.twilio.failed + counts.sendgrid.failed,
          ],
          ['slow (150 ms)', 'days 2–4'],
          ['refused in outages (4 h SMS, 20 s email)', counts.twilio.outage + counts.sendgrid.outage],
          ['timed out', counts.twilio.hung + counts.sendgrid.hung],
          ['answers lost', counts.twilio.lost + counts.sendgrid.lost],
          ['clock steps', timeline.steps],
        ]),
        observed: cells([
          ['messages', records.length],
          ['terminal', records.length - nonTerminal.length],
          ['sent/delivered', delivered],
          ['retried', retried],
          [
            'failed',
            `${failed.length} (${[...failedReasons].map(([reason, count]) => `${reason} ${count}`).join(', ')})`,
          ],
          ['dead-lettered', dead.size],
          [
            'messages sent more than once after lost answers (policy)',
            `${sentTwiceForLostAnswers} (${extraAccepts} extra copies)`,
          ],
          ['sent more than once otherwise', unexplained.length],
        ]),
      });
      expect(counts.twilio.failed + counts.sendgrid.failed).toBeGreaterThan(0);
      expect(counts.twilio.outage).toBeGreaterThan(0);
      expect(counts.twilio.hung + counts.sendgrid.hung).toBe(injected.hung);
      expect(counts.twilio.lost + counts.sendgrid.lost).toBe(injected.lost);
      expect(
        nonTerminal
          .filter((record) => !dead.has(record.messageId))
          .map((record) => `${record.messageId} ${record.status}`),
      ).toEqual([]);
      expect(unexplained.map((record) => record.messageId)).toEqual([]);
      expect(duplicated.length).toBeLessThanOrEqual(injected.lost);
      for (const record of failed) expect(record.reason, record.messageId).toMatch(/\S/);
      expect(failedReasons.get('retries-exhausted') ?? 0).toBeGreaterThan(0);
      for (const record of records) {
        if (record.status !== 'delivered' && record.status !== 'sent') continue;
        // Complete, also when the provider's report (not the send step) said it went out.
        expect(accepts.get(record.messageId) ?? 0).toBeGreaterThan(0);
        expect(record, record.messageId).toMatchObject({
          to: expect.any(String),
          sentAt: expect.any(String),
          channel: expect.any(String),
        });
      }
    },
    SUITE_TIMEOUT_MS,
  );
});
