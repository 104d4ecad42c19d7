import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import type * as z from 'zod';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { OutcomePublisher } from '../../app/ports.ts';
import { OUTCOME_SCHEMAS, OUTCOME_SOURCE, type OutcomeEvent } from '../../core/outcomes/outcome-events.ts';
import { isRetryableAwsError } from '../aws-errors.ts';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_PUT = 10;
/**
 * PutEvents' size limit per call, as the EventBridge user guide computes entry size: 14 bytes
 * for `Time`, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` (and `Resources`).
 */
const MAX_PUT_BYTES = 256 * 1024;

/**
 * Per-entry error codes the PutEvents reference lists as retryable; every other code
 * (InvalidArgument, MalformedDetail, AccessDeniedException, …) fails the same way again.
 */
const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

/** One outcome event that did not make it onto the bus. */
export interface FailedOutcome {
  /** Position in the `publish` call's array. */
  index: number;
  detailType: string;
  /** The event's own id (message, reply or customer id), to find it in logs. */
  ref: string;
  /** PutEvents' `ErrorCode`, the SDK error name, or `InvalidDetail`/`InvalidTime`/`EntryTooLarge`/`NotAttempted`. */
  code: string;
  message: string;
}

/**
 * Some outcome events were not published (an {@link AdapterError}). `retryable` is true when
 * every failure may succeed on a later call (throttling, service faults); the events that did
 * go out are on the bus.
 */
export class OutcomePublishError extends AdapterError {
  override readonly name = 'OutcomePublishError';
  readonly failures: ReadonlyArray<FailedOutcome>;

  constructor(
    message: string,
    details: { failures: ReadonlyArray<FailedOutcome>; retryable: boolean; cause?: unknown },
  ) {
    super(message, { retryable: details.retryable, code: details.failures[0]?.code, cause: details.cause });
    this.failures = details.failures;
  }
}

/** Options of {@link EventBridgeOutcomePublisher}. */
export interface EventBridgeOutcomePublisherOptions {
  client: EventBridgeClient;
  /** Name or ARN of the journey bus. */
  busName: string;
  /** Calls per batch, counting the first, when entries fail with a retryable code. Default 3. */
  maxAttempts?: number;
  /** Wait before the first retry; doubles each time. Default 100 ms. */
  retryDelayMs?: number;
  /** How to wait (tests pass one that does not). */
  sleep?: (ms: number) => Promise<void>;
}

interface PreparedEntry {
  index: number;
  detailType: string;
  ref: string;
  size: number;
  entry: PutEventsRequestEntry;
}

/**
 * Puts outcome events on the journey bus with PutEvents (source `nudge`).
 *
 * Every detail is checked against its contract (`OUTCOME_SCHEMAS`) first; if any is invalid
 * nothing is sent and the error names the offenders (a contract violation is a bug in Nudge, and
 * sending the rest would make the caller's retry publish them twice). Entries go in calls of at
 * most 10 and 256 KiB. A partial failure is retried for the failed entries only, when their code
 * is retryable, up to `maxAttempts`; then the error names every entry that did not go out.
 */
export class EventBridgeOutcomePublisher implements OutcomePublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EventBridgeOutcomePublisherOptions) {
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new RangeError('maxAttempts must be an integer ≥ 1');
    this.client = options.client;
    this.busName = options.busName;
    this.maxAttempts = maxAttempts;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    if (events.length === 0) return;
    const prepared: PreparedEntry[] = [];
    const invalid: FailedOutcome[] = [];
    events.forEach((event, index) => {
      const result = this.prepare(event, index);
      if ('entry' in result) prepared.push(result);
      else invalid.push(result);
    });
    if (invalid.length > 0) {
      throw new OutcomePublishError(`invalid outcome events, none sent: ${describe(invalid)}`, {
        failures: invalid,
        retryable: false,
      });
    }

    const failures: FailedOutcome[] = [];
    const batches = batchesOf(prepared);
    for (const [position, batch] of batches.entries()) {
      try {
        failures.push(...(await this.putWithRetries(batch)));
      } catch (error) {
        // The whole call failed (after the SDK's own retries): this batch and the ones not yet
        // tried are reported; the calls that succeeded are on the bus.
        const code = error instanceof Error && error.name !== 'Error' ? error.name : 'PutEventsFailed';
        const detail = error instanceof Error ? error.message : String(error);
        failures.push(...batch.map((p) => failed(p, code, detail)));
        for (const rest of batches.slice(position + 1)) {
          failures.push(...rest.map((p) => failed(p, 'NotAttempted', `not sent after ${code}`)));
        }
        throw new OutcomePublishError(`PutEvents failed (${code}): ${describe(failures)}`, {
          failures,
          retryable: isRetryableAwsError(error),
          cause: error,
        });
      }
    }
    if (failures.length > 0) {
      throw new OutcomePublishError(`outcome events not published: ${describe(failures)}`, {
        failures,
        retryable: failures.every((f) => RETRYABLE_ENTRY_CODES.has(f.code)),
      });
    }
  }

  private prepare(event: OutcomeEvent, index: number): PreparedEntry | FailedOutcome {
    const checked = checkOutcomeEvent(event);
    if (!checked.ok)
      return { index, detailType: event.detailType, ref: refOf(event.detail), ...checked.problem };
    return {
      index,
      detailType: event.detailType,
      ref: refOf(event.detail),
      size: checked.size,
      entry: {
        Source: OUTCOME_SOURCE,
        DetailType: event.detailType,
        Detail: checked.detail,
        Time: checked.time,
        EventBusName: this.busName,
      },
    };
  }

  /** One batch; resolves with the entries that still failed. Throws when a whole call fails. */
  private async putWithRetries(batch: PreparedEntry[]): Promise<FailedOutcome[]> {
    let pending = batch;
    const permanent: FailedOutcome[] = [];
    for (let attempt = 1; ; attempt++) {
      const response = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      const results = response.Entries ?? [];
      const retry: Array<{ prepared: PreparedEntry; failure: FailedOutcome }> = [];
      pending.forEach((prepared, i) => {
        const result = results[i];
        if (result?.EventId !== undefined && result.ErrorCode === undefined) return;
        // The response lists one result per entry, in order; a missing one counts as failed.
        const failure = failed(
          prepared,
          result?.ErrorCode ?? 'MissingResult',
          result?.ErrorMessage ?? 'no result for this entry',
        );
        if (RETRYABLE_ENTRY_CODES.has(failure.code)) retry.push({ prepared, failure });
        else permanent.push(failure);
      });
      if (retry.length === 0) return permanent;
      if (attempt >= this.maxAttempts) return [...permanent, ...retry.map((r) => r.failure)];
      await this.sleep(this.retryDelayMs * 2 ** (attempt - 1));
      pending = retry.map((r) => r.prepared);
    }
  }
}

/**
 * Checks an outcome event as PutEvents would take it: its detail against its contract
 * (`OUTCOME_SCHEMAS`), its time as ISO-8601, its entry size. The relay of queued outcomes
 * (functions/handlers/outcome-relay-records.ts) checks each queued body with it first, so one bad
 * body cannot hold back the events of the others in its batch.
 */
export function checkOutcomeEvent(
  event: OutcomeEvent,
):
  | { ok: true; detail: string; time: Date; size: number }
  | { ok: false; problem: { code: 'InvalidDetail' | 'InvalidTime' | 'EntryTooLarge'; message: string } } {
  const schema: z.ZodType = OUTCOME_SCHEMAS[event.detailType];
  const parsed = schema.safeParse(event.detail);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(detail)'}: ${i.message}`)
      .join('; ');
    return { ok: false, problem: { code: 'InvalidDetail', message: issues } };
  }
  const time = DateTime.fromISO(event.time, { setZone: true });
  if (!time.isValid) {
    return { ok: false, problem: { code: 'InvalidTime', message: `time ${event.time} is not ISO-8601` } };
  }
  const detail = JSON.stringify(parsed.data);
  const size = 14 + utf8Bytes(OUTCOME_SOURCE) + utf8Bytes(event.detailType) + utf8Bytes(detail);
  if (size > MAX_PUT_BYTES) {
    return { ok: false, problem: { code: 'EntryTooLarge', message: `${size} bytes > ${MAX_PUT_BYTES}` } };
  }
  return { ok: true, detail, time: time.toJSDate(), size };
}

function batchesOf(entries: PreparedEntry[]): PreparedEntry[][] {
  const batches: PreparedEntry[][] = [];
  let current: PreparedEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (
      current.length === MAX_ENTRIES_PER_PUT ||
      (current.length > 0 && bytes + entry.size > MAX_PUT_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function failed(prepared: PreparedEntry, code: string, message: string): FailedOutcome {
  return { index: prepared.index, detailType: prepared.detailType, ref: prepared.ref, code, message };
}

function describe(failures: ReadonlyArray<FailedOutcome>): string {
  return failures.map((f) => `#${f.index} ${f.detailType} ${f.ref} (${f.code}: ${f.message})`).join(', ');
}

function refOf(detail: OutcomeEvent['detail']): string {
  if ('messageId' in detail && typeof detail.messageId === 'string') return detail.messageId;
  if ('replyId' in detail && typeof detail.replyId === 'string') return detail.replyId;
  if ('customerId' in detail && typeof detail.customerId === 'string') return detail.customerId;
  return '(no id)';
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
