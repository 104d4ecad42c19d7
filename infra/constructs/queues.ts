import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** How long a dead letter waits to be looked at: SQS's maximum, so a long weekend loses nothing. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** Receives before a message is dead-lettered: rides out a provider or throttling blip. */
const MAX_RECEIVE_COUNT = 5;

/**
 * Lambda's guidance for SQS sources: a visibility timeout of six times the function timeout, so
 * a message is not handed to a second invocation while the first may still be working on it.
 */
export function visibilityFor(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() * 6);
}

/**
 * A queue and its dead-letter queue, both encrypted at rest with SQS-managed keys and refusing
 * requests not made over TLS. SQS-managed (not a customer key) on purpose: EventBridge rules and
 * Scheduler can then deliver to them with a queue policy or role alone, without KMS key grants.
 */
export function queueWithDeadLetters(
  scope: Construct,
  id: string,
  options: { visibilityTimeout: Duration },
): { queue: Queue; deadLetters: Queue } {
  const deadLetters = deadLetterQueue(scope, `${id}DeadLetters`);
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: options.visibilityTimeout,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
  });
  return { queue, deadLetters };
}

/** A dead-letter queue: encrypted, TLS only, 14 days' retention. */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
}
