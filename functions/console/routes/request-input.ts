import { IANAZone } from 'luxon';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { ConsoleBackend } from '../console-backend.ts';
import { ConsoleHttpError, isRecord, readBody, requireMediaType } from '../http-io.ts';

/** Most events one POST may carry: a test batch, not a bulk import. */
export const MAX_EVENTS_PER_POST = 100;
const MAX_CURSOR_LENGTH = 2048;
const MAX_FROM_LENGTH = 64;
const MAX_REPLY_LENGTH = 1600;

/** The `limit` query parameter: `fallback` when absent, else an integer from 1 to `max` or a 400. */
export function limitParam(url: URL, fallback: number, max: number): number {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConsoleHttpError(400, 'invalid-limit', `limit must be an integer from 1 to ${max}, got ${raw}`);
  }
  return value;
}

/** The opaque `cursor` query parameter of a listing, or a 400 when it is too long. */
export function cursorParam(url: URL): string | undefined {
  const raw = url.searchParams.get('cursor');
  if (raw === null || raw === '') return undefined;
  if (raw.length > MAX_CURSOR_LENGTH) {
    throw new ConsoleHttpError(400, 'invalid-cursor', `cursor longer than ${MAX_CURSOR_LENGTH} characters`);
  }
  return raw;
}

/** One event (an object) or an array of 1–{@link MAX_EVENTS_PER_POST} objects, else a 400. */
export function eventsFrom(value: unknown): Record<string, unknown>[] {
  if (isRecord(value)) return [value];
  if (!Array.isArray(value)) {
    throw new ConsoleHttpError(
      400,
      'invalid-events',
      'expected one event (a JSON object) or an array of events',
    );
  }
  if (value.length === 0) throw new ConsoleHttpError(400, 'invalid-events', 'the array of events is empty');
  if (value.length > MAX_EVENTS_PER_POST) {
    throw new ConsoleHttpError(
      400,
      'invalid-events',
      `at most ${MAX_EVENTS_PER_POST} events per request, got ${value.length}`,
    );
  }
  return value.map((item: unknown, index) => {
    if (!isRecord(item)) {
      throw new ConsoleHttpError(400, 'invalid-events', `item ${index} of the array is not a JSON object`);
    }
    return item;
  });
}

type SendResult = { ok: true; eventId: string } | { ok: false; error: string };

/** Sends test events one at a time, in order: a batch often tells a story whose order matters. */
export async function sendEvents(
  backend: ConsoleBackend,
  events: Record<string, unknown>[],
): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const event of events) results.push(await backend.sendTestEvent(event));
  return results;
}

/** Why a customer reply typed into the console cannot be sent, or `undefined` when it can. */
export function replyProblem(from: string, body: string): string | undefined {
  if (from === '') return '`from` is required: the customer phone number the reply comes from';
  if (from.length > MAX_FROM_LENGTH) return `\`from\` is longer than ${MAX_FROM_LENGTH} characters`;
  if (body === '') return '`body` is required: the text of the reply';
  if (body.length > MAX_REPLY_LENGTH) return `\`body\` is longer than ${MAX_REPLY_LENGTH} characters`;
  return undefined;
}

/** Reads an HTML form post (415 for any other media type). */
export async function readForm(req: Request): Promise<URLSearchParams> {
  requireMediaType(
    req,
    (type) => type === 'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded',
  );
  return new URLSearchParams(await readBody(req));
}

/** The viewer's zone from `?tz=` when it is an IANA zone the runtime knows; else undefined (UTC). */
export function zoneParam(url: URL): string | undefined {
  const raw = url.searchParams.get('tz');
  return raw !== null && raw.length <= 64 && IANAZone.isValidZone(raw) ? raw : undefined;
}

/** One page of a customer's activity; a cursor the store did not issue is a 400. */
export async function timelinePage(
  backend: ConsoleBackend,
  customerId: string,
  page: { limit: number; cursor?: string },
): ReturnType<ConsoleBackend['customerActivity']> {
  try {
    return await backend.customerActivity(customerId, page);
  } catch (error) {
    if (error instanceof RangeError || (error instanceof AdapterError && error.code === 'InvalidCursor')) {
      throw new ConsoleHttpError(400, 'invalid-cursor', 'the cursor was not issued for this timeline');
    }
    throw error;
  }
}
