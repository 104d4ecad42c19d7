/**
 * How the send function is sized, as constants the stack and the capacity model
 * (bench/capacity) both read, so the model cannot drift from what is deployed. No CDK import:
 * the model loads this without loading aws-cdk-lib.
 *
 * Messages a second ≈ `sendConcurrency` × {@link SEND_BATCH_SIZE} ÷ the send latency (the
 * records of a batch are sent in parallel, so an invocation lasts about one send).
 */

/**
 * Messages per send invocation by default (infra setting sendBatchSize, 1–10): small, so the
 * concurrency limit is close to a rate limit. A high rate needs more (the event source runs at
 * most 1,000 invocations at once): `npm run capacity -- --size` says how many.
 */
export const SEND_BATCH_SIZE = 5;

/**
 * Send invocations at once (the send queue's event source `maxConcurrency`, 2–1000):
 * 20 × 5 ÷ 0.35 s ≈ 285 messages/s, above one short code's 100 segments/s, while reserving 20 of
 * the account's 1,000 default concurrent executions (docs/deploy.md, "Sizing sending").
 */
export const DEFAULT_SEND_CONCURRENCY = 20;

/**
 * The longest a message waits inside a send invocation for its sender's rate (the rate guard),
 * within the function's 30 s timeout that also holds a 10 s provider call and DynamoDB; a longer
 * wait hands the message back to be scheduled again.
 */
export const SEND_RATE_MAX_WAIT_MS = 15_000;
