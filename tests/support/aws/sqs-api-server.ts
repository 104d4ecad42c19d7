import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  headerOf,
  LOCAL_ACCOUNT_ID,
  newRequestId,
  parseJsonOrUndefined,
  writeAwsJson,
} from '../../../local/aws/aws-protocol.ts';
import {
  isRecord,
  type LOOPBACK_HOST,
  PayloadTooLargeError,
  pause,
  readBody,
  startLoopbackServer,
} from '../../../local/sandboxes/loopback-server.ts';
import {
  attributesSize,
  hasOnlyValidCharacters,
  invalidParameter,
  md5Hex,
  md5OfMessageAttributes,
  missingParameter,
  nonExistentQueue,
  parseAttributes,
  SqsError,
  type SqsMessageAttribute,
} from './sqs-wire.ts';

/**
 * A loopback Amazon SQS endpoint speaking the AWS JSON 1.0 protocol (`X-Amz-Target:
 * AmazonSQS.<Operation>`, `application/x-amz-json-1.0`) that `@aws-sdk/client-sqs` uses, for
 * CreateQueue, GetQueueUrl, SendMessage, SendMessageBatch (at most ten entries, each
 * accepted or refused on its own), ReceiveMessage (with long polling) and DeleteMessage.
 *
 * It computes `MD5OfMessageBody` (and `MD5OfBody` on receive) over the UTF-8 body, which the SDK
 * checks on every SendMessage/ReceiveMessage, and `MD5OfMessageAttributes` with the algorithm of
 * the SQS developer guide. Errors carry both the JSON `__type` and the `x-amzn-query-error`
 * header (`<query code>;Sender`), since the SDK's SQS client is query-compatible and reads it.
 */

/** The JSON protocol version SQS speaks. */
const SQS_CONTENT_TYPE = 'application/x-amz-json-1.0';
/** The SQS message size limit (1 MiB since 2025; bodies and attributes count). */
const SQS_MAX_MESSAGE_BYTES = 1_048_576;
const MAX_BODY_BYTES = 4 * SQS_MAX_MESSAGE_BYTES;
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
const LONG_POLL_STEP_MS = 25;

/** A message in a queue, for assertions. */
interface StoredSqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, SqsMessageAttribute>;
  sentAt: Date;
  /** The DelaySeconds it was sent with (0 when none). */
  delaySeconds: number;
  receiveCount: number;
  /** False while received and inside its visibility timeout, or still delayed. */
  visible: boolean;
}

/** Options of {@link startSqsApiServer}. */
export interface SqsApiServerOptions {
  port?: number;
  host?: typeof LOOPBACK_HOST;
  /** Queues to create up front (more with CreateQueue or {@link SqsApiServer.createQueue}). */
  queues?: string[];
  account?: string;
  /** Wall clock in ms (visibility timeouts, delays, timestamps). Default `Date.now`. */
  now?: () => number;
}

/** A started SQS endpoint. */
export interface SqsApiServer {
  readonly url: string;
  readonly port: number;
  /** Creates a queue (idempotent) and returns its URL, `<url>/<account>/<name>`. */
  createQueue(name: string): string;
  /** The URL of a queue, whether or not it exists yet. */
  queueUrl(name: string): string;
  /** The messages in a queue not yet deleted, oldest first. */
  messages(queueName: string): StoredSqsMessage[];
  /** How many SendMessage calls each queue accepted, deleted messages included. */
  sentCount(queueName: string): number;
  stop(): Promise<void>;
}

interface QueueState {
  name: string;
  visibilityTimeoutSeconds: number;
  messages: MessageState[];
  sent: number;
  /** Every receipt handle ever issued, so a stale one is not "invalid". */
  handles: Map<string, string>;
}

interface MessageState {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, SqsMessageAttribute>;
  md5OfMessageAttributes: string | undefined;
  sentAt: number;
  delaySeconds: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
}

/** Start the loopback SQS endpoint on 127.0.0.1. */
export async function startSqsApiServer(options: SqsApiServerOptions = {}): Promise<SqsApiServer> {
  const queues = new SqsQueues(options.account ?? LOCAL_ACCOUNT_ID, options.now ?? (() => Date.now()));
  const server = await startLoopbackServer(async (req, res, signal) => {
    const requestId = newRequestId();
    try {
      const { operation, input } = await readOperation(req);
      const output = await queues.serve(operation, input, signal);
      writeAwsJson(res, 200, output, SQS_CONTENT_TYPE, { 'x-amzn-requestid': requestId });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      writeError(res, requestId, error);
    }
  }, options.port ?? 0);
  queues.baseUrl = server.url;
  for (const name of options.queues ?? []) queues.create(name);
  return {
    url: server.url,
    port: server.port,
    createQueue: (name) => queues.create(name),
    queueUrl: (name) => queues.urlOf(name),
    messages: (queueName) => queues.messages(queueName),
    sentCount: (queueName) => queues.sentCount(queueName),
    stop: () => server.close(),
  };
}

/** The operation named by `X-Amz-Target` and its JSON input, or the service's error. */
async function readOperation(
  req: IncomingMessage,
): Promise<{ operation: string; input: Record<string, unknown> }> {
  const target = headerOf(req, 'x-amz-target');
  const operation = target?.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : undefined;
  if (req.method !== 'POST' || operation === undefined) {
    throw new SqsError(
      400,
      'com.amazon.coral.service#UnknownOperationException',
      'InvalidAction',
      'Unknown operation.',
    );
  }
  let text: string;
  try {
    text = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw invalidParameter('Request body is too large.');
    throw error;
  }
  const parsed = parseJsonOrUndefined(text === '' ? '{}' : text);
  if (parsed === undefined || !isRecord(parsed.value)) {
    throw new SqsError(
      400,
      'com.amazon.coral.service#SerializationException',
      'SerializationException',
      'The request body is not valid JSON.',
    );
  }
  return { operation, input: parsed.value };
}

/** The queues of one account, and the operations on them. */
class SqsQueues {
  /** The server's URL, the start of every queue URL (set once it listens). */
  baseUrl = '';
  readonly #account: string;
  readonly #now: () => number;
  readonly #queues = new Map<string, QueueState>();

  constructor(account: string, now: () => number) {
    this.#account = account;
    this.#now = now;
  }

  urlOf(name: string): string {
    return `${this.baseUrl}/${this.#account}/${name}`;
  }

  create(name: string): string {
    if (!/^[a-zA-Z0-9_-]{1,80}$/.test(name))
      throw invalidParameter(
        `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length`,
      );
    if (!this.#queues.has(name)) {
      this.#queues.set(name, {
        name,
        visibilityTimeoutSeconds: DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
        messages: [],
        sent: 0,
        handles: new Map(),
      });
    }
    return this.urlOf(name);
  }

  messages(queueName: string): StoredSqsMessage[] {
    const at = this.#now();
    return (this.#queues.get(queueName)?.messages ?? []).map((m) => ({
      messageId: m.messageId,
      body: m.body,
      md5OfBody: m.md5OfBody,
      messageAttributes: structuredClone(m.messageAttributes),
      sentAt: new Date(m.sentAt),
      delaySeconds: m.delaySeconds,
      receiveCount: m.receiveCount,
      visible: m.visibleAt <= at,
    }));
  }

  sentCount(queueName: string): number {
    return this.#queues.get(queueName)?.sent ?? 0;
  }

  async serve(operation: string, input: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    switch (operation) {
      case 'CreateQueue':
        return { QueueUrl: this.create(queueName(input)) };
      case 'GetQueueUrl': {
        const name = queueName(input);
        if (!this.#queues.has(name)) throw nonExistentQueue();
        return { QueueUrl: this.urlOf(name) };
      }
      case 'SendMessage':
        return sendMessage(this.#queueOf(input), input, this.#now());
      case 'SendMessageBatch':
        return sendMessageBatch(this.#queueOf(input), input, this.#now());
      case 'ReceiveMessage':
        return receiveMessage(this.#queueOf(input), input, this.#now, signal);
      case 'DeleteMessage':
        deleteMessage(this.#queueOf(input), input);
        return {};
      default:
        throw new SqsError(
          400,
          'com.amazonaws.sqs#UnsupportedOperation',
          'AWS.SimpleQueueService.UnsupportedOperation',
          `${operation} is not supported by this local endpoint.`,
        );
    }
  }

  #queueOf(input: Record<string, unknown>): QueueState {
    const queueUrl = input.QueueUrl;
    if (typeof queueUrl !== 'string' || queueUrl === '') throw missingParameter('QueueUrl');
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw nonExistentQueue();
    }
    const [, owner, name] = path.split('/');
    const queue = name === undefined ? undefined : this.#queues.get(name);
    if (owner !== this.#account || queue === undefined) throw nonExistentQueue();
    return queue;
  }
}

function queueName(input: Record<string, unknown>): string {
  const name = input.QueueName;
  if (typeof name !== 'string') throw missingParameter('QueueName');
  return name;
}

function writeError(res: ServerResponse, requestId: string, error: SqsError): void {
  writeAwsJson(res, error.status, { __type: error.type, message: error.message }, SQS_CONTENT_TYPE, {
    'x-amzn-requestid': requestId,
    'x-amzn-query-error': `${error.queryCode};Sender`,
  });
}

function sendMessage(queue: QueueState, input: Record<string, unknown>, at: number): Record<string, string> {
  const body = input.MessageBody;
  if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
  if (!hasOnlyValidCharacters(body)) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#InvalidMessageContents',
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  const attributes = parseAttributes(input.MessageAttributes);
  const size = Buffer.byteLength(body, 'utf8') + attributesSize(attributes);
  if (size > SQS_MAX_MESSAGE_BYTES) {
    throw invalidParameter(`Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`);
  }
  const delay = input.DelaySeconds ?? 0;
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 900) {
    throw invalidParameter('DelaySeconds must be an integer from 0 to 900.');
  }
  const message: MessageState = {
    messageId: randomUUID(),
    body,
    md5OfBody: md5Hex(Buffer.from(body, 'utf8')),
    messageAttributes: attributes,
    md5OfMessageAttributes:
      Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined,
    sentAt: at,
    delaySeconds: delay,
    visibleAt: at + delay * 1000,
    receiveCount: 0,
    firstReceivedAt: undefined,
  };
  queue.messages.push(message);
  queue.sent++;
  const output: Record<string, string> = {
    MD5OfMessageBody: message.md5OfBody,
    MessageId: message.messageId,
  };
  if (message.md5OfMessageAttributes !== undefined)
    output.MD5OfMessageAttributes = message.md5OfMessageAttributes;
  return output;
}

/**
 * SendMessageBatch: one to ten entries with distinct ids (`[A-Za-z0-9_-]{1,80}`); each is sent
 * like a SendMessage, and one that fails is listed under `Failed` while the others go.
 */
function sendMessageBatch(
  queue: QueueState,
  input: Record<string, unknown>,
  at: number,
): Record<string, unknown> {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  }
  if (entries.length > 10) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  }
  const ids = entries.map((entry) => (isRecord(entry) ? entry.Id : undefined));
  if (ids.some((id) => typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id))) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#InvalidBatchEntryId',
      'AWS.SimpleQueueService.InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    );
  }
  if (new Set(ids).size !== ids.length) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
      'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  }
  const successful: Array<Record<string, string>> = [];
  const failed: Array<Record<string, unknown>> = [];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    try {
      successful.push({ Id: String(entry.Id), ...sendMessage(queue, entry, at) });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      failed.push({ Id: entry.Id, SenderFault: true, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful: successful, Failed: failed };
}

async function receiveMessage(
  queue: QueueState,
  input: Record<string, unknown>,
  now: () => number,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const max = integerIn(input.MaxNumberOfMessages, 1, 10, 1, 'MaxNumberOfMessages');
  const visibility = integerIn(
    input.VisibilityTimeout,
    0,
    43_200,
    queue.visibilityTimeoutSeconds,
    'VisibilityTimeout',
  );
  const waitSeconds = integerIn(input.WaitTimeSeconds, 0, 20, 0, 'WaitTimeSeconds');
  const systemNames = [...stringList(input.MessageSystemAttributeNames), ...stringList(input.AttributeNames)];
  const attributeNames = stringList(input.MessageAttributeNames);
  const deadline = now() + waitSeconds * 1000;
  for (;;) {
    const at = now();
    const ready = queue.messages.filter((m) => m.visibleAt <= at).slice(0, max);
    if (ready.length > 0 || at >= deadline) {
      return ready.length === 0
        ? {}
        : { Messages: ready.map((m) => receive(queue, m, at, visibility, systemNames, attributeNames)) };
    }
    // Long polling: wait for a message to arrive or turn visible, until WaitTimeSeconds.
    if (!(await pause(Math.min(LONG_POLL_STEP_MS, deadline - at), signal))) return {};
  }
}

function receive(
  queue: QueueState,
  message: MessageState,
  at: number,
  visibilitySeconds: number,
  systemNames: string[],
  attributeNames: string[],
): Record<string, unknown> {
  message.receiveCount++;
  message.firstReceivedAt ??= at;
  message.visibleAt = at + visibilitySeconds * 1000;
  const receiptHandle = Buffer.from(`${queue.name}:${message.messageId}:${randomUUID()}`).toString('base64');
  queue.handles.set(receiptHandle, message.messageId);
  const out: Record<string, unknown> = {
    MessageId: message.messageId,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
  };
  const system: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    SenderId: LOCAL_ACCOUNT_ID,
  };
  const wantsAll = systemNames.includes('All');
  const selected = Object.fromEntries(
    Object.entries(system).filter(([name]) => wantsAll || systemNames.includes(name)),
  );
  if (Object.keys(selected).length > 0) out.Attributes = selected;
  const chosen = Object.fromEntries(
    Object.entries(message.messageAttributes).filter(([name]) => attributeSelected(name, attributeNames)),
  );
  if (Object.keys(chosen).length > 0) {
    out.MessageAttributes = chosen;
    out.MD5OfMessageAttributes = md5OfMessageAttributes(chosen);
  }
  return out;
}

function attributeSelected(name: string, requested: string[]): boolean {
  return requested.some(
    (pattern) =>
      pattern === 'All' ||
      pattern === '.*' ||
      pattern === name ||
      (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
  );
}

function deleteMessage(queue: QueueState, input: Record<string, unknown>): void {
  const handle = input.ReceiptHandle;
  if (typeof handle !== 'string' || handle === '') throw missingParameter('ReceiptHandle');
  const messageId = queue.handles.get(handle);
  if (messageId === undefined) {
    throw new SqsError(
      404,
      'com.amazonaws.sqs#ReceiptHandleIsInvalid',
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  }
  // A handle that was issued but whose message is gone (already deleted) is a no-op, as in SQS.
  queue.messages = queue.messages.filter((m) => m.messageId !== messageId);
}

function integerIn(value: unknown, min: number, max: number, fallback: number, field: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${String(value)} for parameter ${field} is invalid. Must be between ${min} and ${max}.`,
    );
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
