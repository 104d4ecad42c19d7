import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isRecord,
  type LOOPBACK_HOST,
  PayloadTooLargeError,
  readBody,
  startLoopbackServer,
} from '../sandboxes/loopback-server.ts';
import {
  DEFAULT_LOCAL_REGION,
  headerOf,
  LOCAL_ACCOUNT_ID,
  newRequestId,
  parseJsonOrUndefined,
  regionOfRequest,
  writeAwsJson,
} from './aws-protocol.ts';

/** EventBridge speaks AWS JSON 1.1: this content type, and the operation in `X-Amz-Target`. */
const PUT_EVENTS_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The only operation this endpoint serves. */
const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** PutEvents takes 1 to 10 entries per request. */
const MAX_ENTRIES_PER_REQUEST = 10;
/**
 * The PutEvents size limit (256 KiB), summed over the entries as the EventBridge user guide
 * ("Calculating PutEvents event entry size") computes it: 14 bytes for a `Time`, plus the UTF-8
 * bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
const MAX_ENTRIES_BYTES = 256 * 1024;
// A hard cap on the raw body, well above what ten maximal entries encode to, so a runaway client
// cannot make the endpoint buffer without bound.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** One `PutEventsRequestEntry` as the client sent it (after shape checks). */
export interface PutEventsRequestEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

/** The envelope EventBridge hands a rule's target: what Nudge's ingest reads. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** `yyyy-mm-ddThh:mm:ssZ`, second precision, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** What else the endpoint knows about a delivered batch. */
export interface PutEventsDelivery {
  requestId: string;
  /** The bus each event was put on, parallel to the events (`default` when the entry named none). */
  eventBusNames: string[];
}

/** A per-entry failure, as PutEvents reports it. */
export interface EntryFailure {
  code: string;
  message: string;
}

/** One request, for assertions. */
interface PutEventsRequestRecord {
  requestId: string;
  target: string | undefined;
  status: number;
  entryCount: number;
  failedEntryCount: number;
}

/** Options of {@link startPutEventsServer}. */
export interface PutEventsServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback only. */
  host?: typeof LOOPBACK_HOST;
  /**
   * Receives the valid entries of each request as target envelopes, in request order. A throw
   * or rejection fails those entries with `InternalFailure` (retryable), as a service fault would.
   */
  onEvents: (events: EventBridgeEvent[], delivery: PutEventsDelivery) => Promise<void> | void;
  /** Account in the envelopes. Default `000000000000`. */
  account?: string;
  /** Region when the request is unsigned; a signed one uses its credential scope's region. */
  region?: string;
  /** Time for entries without `Time`. Default: the wall clock. */
  now?: () => Date;
  /**
   * Fault injection for tests: return a failure to reject a valid entry with that per-entry
   * `ErrorCode` (e.g. `ThrottlingException`), as a partial failure of the real service would.
   */
  failEntry?: (entry: PutEventsRequestEntry, index: number) => EntryFailure | undefined;
  /** Hold requests back while the consumer is behind (see {@link BackPressure}). */
  backPressure?: BackPressure;
}

/**
 * Back-pressure: a request's entries are delivered only while `backlog()` plus the entries
 * already admitted and still being delivered, plus this request's, stay within `limit` (a
 * request is always admitted when nothing is outstanding). Otherwise it waits, first come first
 * served, and after `maxWaitMs` is answered with a request-level `ThrottlingException` (HTTP 400,
 * `Rate exceeded`), which the AWS SDKs retry with backoff. So a fast producer slows down to what
 * the consumer drains instead of piling work up behind it.
 */
interface BackPressure {
  /** Work the consumer accepted and has not finished (e.g. messages evaluated but not sent). */
  backlog: () => number;
  limit: number;
  /** Default 30 s. */
  maxWaitMs?: number;
  /** How often a waiting request looks again. Default 5 ms. */
  pollMs?: number;
}

/** A started PutEvents endpoint. */
export interface PutEventsServer {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` to the SDK or `--endpoint-url` to the CLI. */
  readonly url: string;
  readonly port: number;
  /** Every request answered so far, oldest first. */
  requests(): ReadonlyArray<PutEventsRequestRecord>;
  stop(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Start a loopback endpoint that speaks EventBridge `PutEvents` (AWS JSON 1.1) like the service:
 * `@aws-sdk/client-eventbridge` and `aws events put-events --endpoint-url` work against it
 * unchanged. Any SigV4 signature (or none) is accepted, and the `Content-Type` is not checked, so a
 * hand-written `curl` works too; the envelope's region is the signature's, else `options.region`.
 *
 * Request-level faults answer 400 with `{ "__type", "message" }` (unknown `X-Amz-Target` →
 * `UnknownOperationException`, bad JSON → `SerializationException`, 0 or more than 10 entries or
 * over 256 KiB → `ValidationException`; held under back-pressure longer than its bound →
 * `ThrottlingException`). Entry-level faults (missing `Source`/`DetailType`/`Detail`
 * → `InvalidArgument`; `Detail` not a JSON object → `MalformedDetail`) fail only that entry: it
 * gets `ErrorCode`/`ErrorMessage` and counts in `FailedEntryCount`, and the valid entries are
 * still delivered, each with its `EventId`.
 */
export async function startPutEventsServer(options: PutEventsServerOptions): Promise<PutEventsServer> {
  const log: PutEventsRequestRecord[] = [];
  const gate = options.backPressure === undefined ? undefined : new AdmissionGate(options.backPressure);
  const server = await startLoopbackServer(async (req, res) => {
    const requestId = newRequestId();
    const target = headerOf(req, 'x-amz-target');
    const record = (status: number, entryCount: number, failedEntryCount: number): void => {
      log.push({ requestId, target, status, entryCount, failedEntryCount });
    };
    try {
      const answer = await handlePutEvents(req, options, { requestId, target, gate });
      writeAwsJson(res, 200, answer, PUT_EVENTS_CONTENT_TYPE, { 'x-amzn-requestid': requestId });
      record(200, answer.Entries.length, answer.FailedEntryCount);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      writeError(res, requestId, error);
      record(error.status, 0, 0);
    }
  }, options.port ?? 0);
  return {
    url: server.url,
    port: server.port,
    requests: () => [...log],
    stop: () => server.close(),
  };
}

function writeError(res: ServerResponse, requestId: string, error: RequestError): void {
  writeAwsJson(res, error.status, { __type: error.type, message: error.message }, PUT_EVENTS_CONTENT_TYPE, {
    'x-amzn-requestid': requestId,
  });
}

interface PutEventsAnswer {
  FailedEntryCount: number;
  Entries: Array<{ EventId: string } | { ErrorCode: string; ErrorMessage: string }>;
}

type DeliveredEntry = { index: number; event: EventBridgeEvent; busName: string };

/** Admits requests under {@link BackPressure}, first come first served. */
class AdmissionGate {
  private admitted = 0;
  private nextTicket = 0;
  private readonly waiting: number[] = [];

  constructor(private readonly options: BackPressure) {}

  /** Resolves with the release of the admitted entries, or throws `ThrottlingException`. */
  async admit(count: number): Promise<() => void> {
    const ticket = this.nextTicket++;
    this.waiting.push(ticket);
    const giveUpAt = Date.now() + (this.options.maxWaitMs ?? 30_000);
    try {
      while (this.waiting[0] !== ticket || !this.fits(count)) {
        if (Date.now() > giveUpAt) throw new RequestError(400, 'ThrottlingException', 'Rate exceeded');
        await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 5));
      }
    } finally {
      this.waiting.splice(this.waiting.indexOf(ticket), 1);
    }
    this.admitted += count;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted -= count;
    };
  }

  private fits(count: number): boolean {
    const outstanding = this.options.backlog() + this.admitted;
    return outstanding === 0 || outstanding + count <= this.options.limit;
  }
}

async function handlePutEvents(
  req: IncomingMessage,
  options: PutEventsServerOptions,
  request: { requestId: string; target: string | undefined; gate: AdmissionGate | undefined },
): Promise<PutEventsAnswer> {
  const { requestId, target, gate } = request;
  const entries = await readEntries(req, target);
  const region = regionOfRequest(req) ?? options.region ?? DEFAULT_LOCAL_REGION;
  const results: PutEventsAnswer['Entries'] = [];
  const delivered: DeliveredEntry[] = [];
  entries.forEach((entry, index) => {
    const failure = validateEntry(entry) ?? options.failEntry?.(entry, index);
    if (failure !== undefined) {
      results[index] = { ErrorCode: failure.code, ErrorMessage: failure.message };
      return;
    }
    const event = envelopeOf(entry, options, region);
    if (event === undefined) return;
    results[index] = { EventId: event.id };
    delivered.push({ index, busName: entry.EventBusName ?? 'default', event });
  });
  if (delivered.length > 0) {
    const release = await gate?.admit(delivered.length);
    try {
      await options.onEvents(
        delivered.map((item) => item.event),
        { requestId, eventBusNames: delivered.map((item) => item.busName) },
      );
    } catch {
      // The consumer failed: EventBridge reports an internal failure per entry (retryable).
      for (const item of delivered) {
        results[item.index] = {
          ErrorCode: 'InternalFailure',
          ErrorMessage: 'The request processing has failed because of an unknown error.',
        };
      }
    } finally {
      release?.();
    }
  }
  const complete = entries.map(
    (_, index) =>
      results[index] ?? { ErrorCode: 'InternalFailure', ErrorMessage: 'The entry was not processed.' },
  );
  return {
    FailedEntryCount: complete.filter((result) => 'ErrorCode' in result).length,
    Entries: complete,
  };
}

/** The operation check, the body (size-limited) and its entries, or the service's error. */
async function readEntries(
  req: IncomingMessage,
  target: string | undefined,
): Promise<PutEventsRequestEntry[]> {
  if (req.method !== 'POST' || target !== PUT_EVENTS_TARGET) {
    throw new RequestError(
      400,
      'UnknownOperationException',
      target === undefined
        ? 'Missing X-Amz-Target: this endpoint serves AWSEvents.PutEvents only.'
        : `Operation ${target} is not supported by this endpoint (AWSEvents.PutEvents only).`,
    );
  }
  let text: string;
  try {
    text = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) {
      throw new RequestError(413, 'ValidationException', 'Request body is too large.');
    }
    throw error;
  }
  const entries = parseEntries(text);
  const totalBytes = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (totalBytes > MAX_ENTRIES_BYTES) {
    throw new RequestError(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  return entries;
}

/** The event EventBridge would deliver for a valid entry (a new id, the envelope's fields). */
function envelopeOf(
  entry: PutEventsRequestEntry,
  options: PutEventsServerOptions,
  region: string,
): EventBridgeEvent | undefined {
  const detail = parseDetail(entry.Detail);
  if (detail === undefined || entry.Source === undefined || entry.DetailType === undefined) return undefined;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: options.account ?? LOCAL_ACCOUNT_ID,
    time: envelopeTime(entry.Time, options.now ?? (() => new Date())),
    region,
    resources: entry.Resources ?? [],
    detail,
  };
}

/** Request shape checks: a type error anywhere fails the whole request, as the service's deserializer does. */
function parseEntries(text: string): PutEventsRequestEntry[] {
  const parsed = parseJsonOrUndefined(text);
  if (parsed === undefined || !isRecord(parsed.value)) {
    throw new RequestError(400, 'SerializationException', 'The request body is not a valid JSON object.');
  }
  const raw = parsed.value.Entries;
  if (raw === undefined || raw === null) {
    throw new RequestError(
      400,
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(raw)) {
    throw new RequestError(400, 'SerializationException', 'Entries must be a list.');
  }
  if (raw.length < 1 || raw.length > MAX_ENTRIES_PER_REQUEST) {
    const bound =
      raw.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES_PER_REQUEST}`;
    throw new RequestError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return raw.map((value, index) => toEntry(value, index));
}

function toEntry(value: unknown, index: number): PutEventsRequestEntry {
  if (!isRecord(value))
    throw new RequestError(400, 'SerializationException', `Entries[${index}] must be an object.`);
  const entry: PutEventsRequestEntry = {};
  for (const key of ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') {
      throw new RequestError(400, 'SerializationException', `Entries[${index}].${key} must be a string.`);
    }
    entry[key] = field;
  }
  const resources = value.Resources;
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources) || !resources.every((item) => typeof item === 'string')) {
      throw new RequestError(
        400,
        'SerializationException',
        `Entries[${index}].Resources must be a list of strings.`,
      );
    }
    entry.Resources = resources.filter((item): item is string => typeof item === 'string');
  }
  const time = value.Time;
  if (time !== undefined && time !== null) {
    // Both the SDK and botocore send epoch seconds (a JSON number, fractional for milliseconds).
    if ((typeof time !== 'number' && typeof time !== 'string') || timeMillis(time) === undefined) {
      throw new RequestError(
        400,
        'SerializationException',
        `Entries[${index}].Time is not a valid timestamp.`,
      );
    }
    entry.Time = time;
  }
  return entry;
}

function validateEntry(entry: PutEventsRequestEntry): EntryFailure | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (entry[field] === undefined || entry[field] === '') {
      return {
        code: 'InvalidArgument',
        message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (parseDetail(entry.Detail) === undefined)
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  return undefined;
}

/** `Detail` must be a JSON object: EventBridge rejects arrays, scalars and invalid JSON. */
function parseDetail(detail: string | undefined): Record<string, unknown> | undefined {
  if (detail === undefined) return undefined;
  const parsed = parseJsonOrUndefined(detail);
  return parsed !== undefined && isRecord(parsed.value) ? parsed.value : undefined;
}

function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

function timeMillis(time: number | string): number | undefined {
  const seconds = typeof time === 'number' ? time : Number(time);
  if (typeof time === 'string' && Number.isNaN(seconds)) {
    const parsed = Date.parse(time);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}

/** EventBridge writes envelope times with second precision: `2026-11-23T09:00:00Z`. */
function envelopeTime(time: number | string | undefined, now: () => Date): string {
  const millis = time === undefined ? undefined : timeMillis(time);
  const date = millis === undefined ? now() : new Date(millis);
  return `${date.toISOString().slice(0, 19)}Z`;
}
