import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type * as z from 'zod';
import type { OutcomePublisher } from '../../functions/app/ports.ts';
import {
  OUTCOME_SCHEMAS,
  OUTCOME_SOURCE,
  type OutcomeEvent,
} from '../../functions/core/outcomes/outcome-events.ts';
import { utcMillisOf } from '../../functions/core/utc-instant.ts';
import { LOCAL_ACCOUNT_ID } from './aws-protocol.ts';
import type { EventBridgeEvent } from './put-events-server.ts';

/**
 * The local runtime's outcome publisher: hands each outcome event to `deliver` as the envelope
 * the local bus would have made of it, in the same process, instead of a PutEvents call through
 * the AWS SDK to the runtime's own endpoint (signing, HTTP and parsing for nothing).
 *
 * Same contract as the EventBridge publisher: every detail is checked against its schema first
 * and nothing is delivered if one is invalid (a bug in Nudge); the detail delivered is the
 * schema's output; the time is the event's, at the second precision EventBridge writes.
 */
export class InProcessOutcomePublisher implements OutcomePublisher {
  constructor(
    private readonly deliver: (events: EventBridgeEvent[]) => void,
    private readonly region: string,
  ) {}

  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    if (events.length === 0) return;
    const problems: string[] = [];
    const envelopes = events.flatMap((event, index): EventBridgeEvent[] => {
      const schema: z.ZodType = OUTCOME_SCHEMAS[event.detailType];
      const parsed = schema.safeParse(event.detail);
      const millis = instantOf(event.time);
      if (!parsed.success || millis === undefined) {
        problems.push(`#${index} ${event.detailType} (${parsed.success ? 'time' : parsed.error.message})`);
        return [];
      }
      return [
        {
          version: '0',
          id: randomUUID(),
          'detail-type': event.detailType,
          source: OUTCOME_SOURCE,
          account: LOCAL_ACCOUNT_ID,
          time: `${new Date(millis).toISOString().slice(0, 19)}Z`,
          region: this.region,
          resources: [],
          detail: parsed.data as Record<string, unknown>,
        },
      ];
    });
    if (problems.length > 0) throw new Error(`invalid outcome events, none sent: ${problems.join(', ')}`);
    this.deliver(envelopes);
  }
}

/**
 * Epoch milliseconds of an event time as `DateTime.fromISO(time, { setZone: true })` reads it, or
 * undefined when invalid. A time in UTC (`…Z`, the form Nudge writes) names its offset, so reading
 * it in UTC is the same instant, without luxon's parser.
 */
function instantOf(time: string): number | undefined {
  if (time.endsWith('Z')) return utcMillisOf(time);
  const parsed = DateTime.fromISO(time, { setZone: true });
  return parsed.isValid ? parsed.toMillis() : undefined;
}
