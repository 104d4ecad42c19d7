/**
 * Vitest global setup for the `integration` project: ONE DynamoDB Local for the whole run, shared
 * by every test file, which reach it with `inject('dynamodbEndpoint')` and keep apart by using
 * their own tables ({@link createTestTableName}).
 *
 * Sharing is what makes the tier affordable: a JVM start costs ~2.5 s and ~300 MB; the server
 * itself takes many concurrent clients.
 */
import { randomBytes } from 'node:crypto';
// Type-only and erased: puts vitest's own declarations in the program, without which TypeScript
// rejects the augmentation below ("module 'vitest' cannot be found") when only vitest/node is imported.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the DynamoDB Local started for this test run. */
    dynamodbEndpoint: string;
  }
}

/** Starts DynamoDB Local and provides its endpoint; the returned teardown stops it. */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const server = await startDynamoDbLocal({
    // Quiet when healthy; set NUDGE_DYNAMODB_LOG=1 to see what DynamoDB Local prints.
    logger: process.env.NUDGE_DYNAMODB_LOG === '1' ? (line) => console.error(line) : undefined,
  });
  provide('dynamodbEndpoint', server.endpoint);
  return () => server.stop();
}

const TABLE_NAME_PREFIX = /^[A-Za-z0-9_.-]{0,200}$/;

/**
 * A table name no other test file or run will use: `<prefix>-<12 random hex digits>`.
 *
 * Always valid for DynamoDB (3–255 characters of `[A-Za-z0-9_.-]`) since the suffix alone is 13.
 *
 * @throws {RangeError} when `prefix` has characters DynamoDB rejects or is over 200 characters.
 */
export function createTestTableName(prefix: string): string {
  if (!TABLE_NAME_PREFIX.test(prefix)) {
    throw new RangeError(`Table name prefix "${prefix}" must be ≤ 200 characters of A-Z a-z 0-9 _ . -`);
  }
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
