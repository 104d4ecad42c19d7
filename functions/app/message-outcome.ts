import { OUTCOME_SCHEMA_VERSION } from '../core/outcomes/outcome-events.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { MessageRecord } from './message-record.ts';

/** The fields every message outcome event (MessageSent, MessageDelivered, MessageFailed) carries. */
export function messageOutcomeBase(record: MessageRecord, channel: Channel) {
  return {
    schemaVersion: OUTCOME_SCHEMA_VERSION,
    messageId: record.messageId,
    ruleId: record.ruleId,
    customerId: record.customerId,
    triggerEventId: record.trigger.id,
    channel,
  } as const;
}
