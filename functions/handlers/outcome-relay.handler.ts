// Lambda entry: SQS (the webhook's queued outcome events) → the journey bus, 10 per PutEvents.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLogger } from '../adapters/logging/logger.ts';
import { readEnvironment } from './lambda-environment.ts';
import { outcomePublisher } from './lambda-wiring.ts';
import { relayOutcomeBatch } from './outcome-relay-records.ts';

const logger = createLogger('nudge-outcome-relay');
const relay = relayOutcomeBatch({
  publisher: outcomePublisher(readEnvironment()),
  log: (message, fields, level = 'info') => logger[level](message, fields),
});

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  return relay(event);
}
