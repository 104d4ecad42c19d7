import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import { generateJourneyStream, type JourneyEnvelope } from './support/journey-stream.ts';
import { SeededRandom } from './support/random.ts';
import {
  allMessages,
  decisionsOf,
  outcomeOf,
  providerAcceptsByMessage,
  runTimeline,
  simulate,
  startFrozenRuntime,
  type TimelineEntry,
  timeOf,
} from './support/runtime-driver.ts';
import { SUITE_TIMEOUT_MS, sized } from './support/scale.ts';

// Guarantee: at most one message per (rule, occurrence) under duplicated, concurrent and
// redelivered events and send requests — and none lost. The whole production path on 127.0.0.1:
// DynamoDB Local, the Twilio and SendGrid sandboxes through the real SDKs, the in-process queue
// and scheduler; compared with `nudge simulate` (one clean delivery of the same stream).
const SEED = 20_261_124;
const EVENTS = sized(2_000, 10_000);
const START = DateTime.fromISO('2027-02-01T00:00:00Z', { zone: 'utc' });

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startFrozenRuntime(START);
}, 120_000);

afterAll(async () => runtime?.stop());

describe('1 duplicates and concurrency', () => {
  it(
    'every event delivered 1–3 times (some concurrently, some later) and send requests redelivered: exactly the messages of one clean delivery',
    async ({ task }) => {
      // Arrange
      console.info(`duplicates: seed ${SEED}, ${EVENTS} events`);
      const stream = generateJourneyStream({ seed: SEED, events: EVENTS, start: START, days: 14 });
      const expected = decisionsOf(await simulate(stream.events));
      const random = new SeededRandom(SEED + 1);
      const tally = {
        deliveries: 0,
        duplicated: 0,
        concurrent: 0,
        later: 0,
        sendRedeliveries: 0,
        lateSendRedeliveries: 0,
      };
      const evaluate = (event: JourneyEnvelope) => {
        tally.deliveries++;
        return runtime.evaluate(structuredClone(event));
      };
      const entries: TimelineEntry[] = [];
      for (const event of stream.events) {
        const copies = random.chance(0.6) ? 1 : random.chance(0.6) ? 2 : 3;
        const at = timeOf(event);
        if (copies === 1) {
          entries.push({ at, run: async () => void (await evaluate(event)) });
          continue;
        }
        tally.duplicated++;
        const mode = random.next();
        if (mode < 0.5) {
          tally.concurrent++;
          entries.push({
            at,
            run: async () => void (await Promise.all(Array.from({ length: copies }, () => evaluate(event)))),
          });
        } else if (mode < 0.75) {
          entries.push({
            at,
            run: async () => {
              for (let copy = 0; copy < copies; copy++) await evaluate(event);
            },
          });
        } else {
          // A redelivery after the visibility timeout: the same envelope, up to two minutes later.
          tally.later++;
          entries.push({ at, run: async () => void (await evaluate(event)) });
          for (let copy = 1; copy < copies; copy++) {
            entries.push({
              at: at.plus({ milliseconds: random.int(1_000, 120_000) }),
              run: async () => void (await evaluate(event)),
            });
          }
        }
      }

      // Act
      const timeline = await runTimeline(runtime, entries, {
        sendsDue: async (due) => {
          // Some due send requests arrive twice or three times at once (SQS at-least-once).
          const again = due.flatMap((id) =>
            random.chance(0.2) ? Array.from({ length: random.int(1, 2) }, () => id) : [],
          );
          tally.sendRedeliveries += again.length;
          await Promise.all(again.map((id) => runtime.enqueue(id)));
        },
      });
      const records = await allMessages(runtime.stores);
      const sentIds = records
        .filter((record) => outcomeOf(record) === 'sent')
        .map((record) => record.messageId);
      const late = sentIds.filter(() => random.chance(0.1));
      tally.lateSendRedeliveries = late.length;
      await Promise.all(late.map((id) => runtime.enqueue(id)));
      await runtime.settle();

      // Assert
      const after = await allMessages(runtime.stores);
      const observed = decisionsOf(
        after.map((record) => ({
          ruleId: record.ruleId,
          eventId: record.trigger.id,
          outcome: outcomeOf(record),
          reason: record.reason ?? null,
        })),
      );
      const accepts = providerAcceptsByMessage(runtime);
      const duplicatedSends = [...accepts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
      const mismatched = [...expected].filter(([key, outcome]) => observed.get(key) !== outcome);
      const lost = mismatched.filter(
        ([key]) => !observed.has(key) || expected.get(key)?.startsWith('sent') === true,
      );
      const extra = [...observed.keys()].filter((key) => !expected.has(key));
      const sentCount = after.filter((record) => outcomeOf(record) === 'sent').length;
      recordFigures(task, {
        suite: '1 duplicates and concurrency',
        seed: SEED,
        injected: cells([
          ['events', stream.events.length],
          ['deliveries', tally.deliveries],
          ['duplicated events', tally.duplicated],
          ['of which concurrent', tally.concurrent],
          ['redelivered ≤ 2 min later', tally.later],
          ['send requests redelivered concurrently', tally.sendRedeliveries],
          ['later', tally.lateSendRedeliveries],
          ['clock steps', timeline.steps],
        ]),
        observed: cells([
          ['messages', after.length],
          ['sent', sentCount],
          ['provider accepts', [...accepts.values()].reduce((a, b) => a + b, 0)],
          ['duplicated', duplicatedSends + extra.length],
          ['lost', lost.length],
          ['differing from simulate', mismatched.length],
        ]),
      });
      expect(mismatched.slice(0, 10), 'decisions that differ from one clean delivery').toEqual([]);
      expect(extra.slice(0, 10), 'messages one clean delivery does not make').toEqual([]);
      expect(duplicatedSends, 'provider requests accepted twice for one message').toBe(0);
      for (const record of after) {
        expect(accepts.get(record.messageId) ?? 0, `${record.messageId} ${record.status}`).toBe(
          outcomeOf(record) === 'sent' ? 1 : 0,
        );
      }
      // A record that says it went out says where: one without `channel` or `to` is a violation
      // (a later STOP from that number could match nobody).
      const incomplete = after.filter(
        (record) =>
          (record.status === 'sent' || record.status === 'delivered') &&
          (record.channel === undefined || record.to === undefined),
      );
      expect(incomplete.map((record) => `${record.messageId} ${record.status}`)).toEqual([]);
      expect(runtime.deadLetters()).toEqual([]);
      expect(after.length).toBe(expected.size);
    },
    SUITE_TIMEOUT_MS,
  );
});
