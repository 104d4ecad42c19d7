import { DateTime } from 'luxon';
import * as z from 'zod';
import { EventCustomerSchema } from './customers/event-customer.ts';

const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * The EventBridge envelope of a journey event, as EventBridge delivers it to targets.
 * `detail` is the publisher's payload; Nudge reads the customer and the dates from it.
 */
export const JourneyEventSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  account: z.string().optional(),
  // A date, a time and an offset: luxon alone also reads "10:00" or "2027" (as today at 10:00,
  // or New Year's Day), which would give the event a time nobody sent.
  time: z
    .string()
    .refine((value) => EVENT_TIME.test(value) && DateTime.fromISO(value, { setZone: true }).isValid, {
      message: 'expected an ISO-8601 time with a date and an offset such as 2026-11-23T09:00:00Z',
    }),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type JourneyEvent = z.infer<typeof JourneyEventSchema>;

/** EventBridge takes events of at most 256 KB; anything larger did not come through the bus. */
const MAX_EVENT_BYTES = 256 * 1024;

/**
 * How deep `detail` may nest (`detail.a` is one level). A message record keeps the trigger's
 * detail two levels down and DynamoDB refuses items nested deeper than 32 levels, so a deeper
 * event would fail every time it is recorded; and a JSON text 256 KB long can nest thousands of
 * levels, which recursive code (JSON.stringify included) does not survive. Refused here, once.
 */
const MAX_DETAIL_DEPTH = 24;

/**
 * Parses untrusted input into a journey event, or a reason naming the field at fault: nesting
 * and text that cannot be stored or sent (lone surrogates), the envelope, the size, and
 * `detail.customer` when present (the contract's shape; an unknown time zone is refused rather
 * than silently replaced by the default).
 */
export function parseJourneyEvent(
  input: unknown,
): { ok: true; event: JourneyEvent } | { ok: false; reason: string } {
  const unfit = inspect(input);
  if (unfit !== undefined) return { ok: false, reason: unfit };
  const parsed = JourneyEventSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues, []) };
  const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
  if (bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      reason: `(event): ${Math.ceil(bytes / 1024)} KB is more than the ${MAX_EVENT_BYTES / 1024} KB an EventBridge event may have`,
    };
  }
  const customer = parsed.data.detail.customer;
  if (customer !== undefined) {
    const checked = EventCustomerSchema.safeParse(customer);
    if (!checked.success)
      return { ok: false, reason: describeIssues(checked.error.issues, ['detail', 'customer']) };
  }
  return { ok: true, event: parsed.data };
}

function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>, base: ReadonlyArray<string>): string {
  return issues
    .map((issue) => {
      const message =
        issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
          ? 'required'
          : issue.message;
      return `${[...base, ...issue.path.map(String)].join('.') || '(event)'}: ${message}`;
    })
    .join('; ');
}

// Half of a UTF-16 surrogate pair: JSON can carry it (`"\ud83d"`), UTF-8 cannot encode it, and a
// provider call that form-encodes it (Twilio) fails every time.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Walks the input without recursion (any depth is safe) and reports the first value nested
 * deeper than `detail` may be, or the first string or key holding a lone surrogate.
 */
function inspect(input: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: input, path: '', depth: 0 },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return `${path || '(event)'}: ${NOT_UNICODE}`;
      continue;
    }
    // `detail` is kept with every message: its numbers must be ones a store keeps as given.
    if (typeof value === 'number' && isDetail(path)) {
      const problem = numberProblem(value);
      if (problem !== undefined) return `${path}: ${problem}`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (isDetail(path) && !Array.isArray(value) && Object.hasOwn(value, '')) {
      return `${path}: has an empty key ("": …), which a message record cannot keep`;
    }
    // The envelope is level 0 and `detail` level 1, so `detail.a` is level 2.
    if (depth > MAX_DETAIL_DEPTH + 1) return `${path}: nested deeper than ${MAX_DETAIL_DEPTH} levels`;
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((item, index): [string, unknown] => [`${path}[${index}]`, item])
      : Object.entries(value).map(([key, item]): [string, unknown] => [
          path === '' ? printable(key) : `${path}.${printable(key)}`,
          item,
        ]);
    if (!Array.isArray(value)) {
      const badKey = Object.keys(value).find((key) => LONE_SURROGATE.test(key));
      if (badKey !== undefined) return `${path === '' ? '' : `${path}.`}${printable(badKey)}: ${NOT_UNICODE}`;
    }
    for (const [at, item] of entries.reverse()) stack.push({ value: item, path: at, depth: depth + 1 });
  }
  return undefined;
}

const NOT_UNICODE = 'not valid Unicode (a lone surrogate, e.g. half of an emoji cut off)';

function isDetail(path: string): boolean {
  return path === 'detail' || path.startsWith('detail.') || path.startsWith('detail[');
}

/**
 * Why a number cannot be kept exactly, if it cannot: JSON numbers beyond 2^53 have already lost
 * digits when parsed (an id sent as a number), and DynamoDB keeps magnitudes from 1e-130 up.
 */
function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'not a finite number';
  const magnitude = Math.abs(value);
  if (magnitude > Number.MAX_SAFE_INTEGER) {
    return `${value} is beyond ±${Number.MAX_SAFE_INTEGER} and cannot be kept exactly (send it as a string)`;
  }
  if (magnitude !== 0 && magnitude < 1e-130) return `${value} is too small to keep (below 1e-130)`;
  return undefined;
}

/** A key as it can be shown in a reason: lone surrogates written as `\uD83D`. */
function printable(key: string): string {
  return key.replace(
    new RegExp(LONE_SURROGATE.source, 'g'),
    (half) => `\\u${half.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
