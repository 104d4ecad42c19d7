import { createHash } from 'node:crypto';
import { isRecord } from '../../../local/sandboxes/loopback-server.ts';

/*
 * SQS wire details of the test endpoint: its errors, message attributes (checks, size, MD5 as
 * the SDK verifies it) and the characters a message body may hold.
 */

/** A message attribute as the API carries it (binary values base64 on the wire). */
export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** An error the endpoint answers with, in both protocols' terms. */
export class SqsError extends Error {
  constructor(
    readonly status: number,
    /** The JSON `__type`. */
    readonly type: string,
    /** The query-protocol code, for `x-amzn-query-error`. */
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

export const nonExistentQueue = (): SqsError =>
  new SqsError(
    400,
    'com.amazonaws.sqs#QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  );
export const invalidParameter = (message: string): SqsError =>
  new SqsError(
    400,
    'com.amazon.coral.service#InvalidParameterValueException',
    'InvalidParameterValue',
    `One or more parameters are invalid. Reason: ${message}`,
  );
export const missingParameter = (name: string): SqsError =>
  new SqsError(
    400,
    'com.amazon.coral.service#MissingParameterException',
    'MissingParameter',
    `The request must contain the parameter ${name}.`,
  );

export function parseAttributes(value: unknown): Record<string, SqsMessageAttribute> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalidParameter('MessageAttributes must be a map.');
  const entries = Object.entries(value);
  if (entries.length > 10)
    throw invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  const out: Record<string, SqsMessageAttribute> = {};
  for (const [name, attribute] of entries) {
    if (!isRecord(attribute) || typeof attribute.DataType !== 'string' || attribute.DataType === '') {
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty attribute type.`);
    }
    const stringValue = typeof attribute.StringValue === 'string' ? attribute.StringValue : undefined;
    const binaryValue = typeof attribute.BinaryValue === 'string' ? attribute.BinaryValue : undefined;
    const isBinary = attribute.DataType.startsWith('Binary');
    if (isBinary ? binaryValue === undefined : stringValue === undefined) {
      throw invalidParameter(
        `The message attribute '${name}' must contain a non-empty message attribute value.`,
      );
    }
    out[name] = isBinary
      ? { DataType: attribute.DataType, BinaryValue: binaryValue }
      : { DataType: attribute.DataType, StringValue: stringValue };
  }
  return out;
}

export function attributesSize(attributes: Record<string, SqsMessageAttribute>): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
    size += attribute.BinaryValue !== undefined ? Buffer.from(attribute.BinaryValue, 'base64').length : 0;
    size += attribute.StringValue !== undefined ? Buffer.byteLength(attribute.StringValue) : 0;
  }
  return size;
}

/**
 * MD5 of message attributes as the SQS developer guide defines it: attributes sorted by name;
 * for each, the name, the data type and the value each as a 4-byte big-endian length followed by
 * the UTF-8 (binary: raw) bytes, with a 1-byte transport type (1 string/number, 2 binary) before
 * the value.
 */
export function md5OfMessageAttributes(attributes: Record<string, SqsMessageAttribute>): string {
  const parts: Buffer[] = [];
  const withLength = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (lone surrogates are invalid).
export function hasOnlyValidCharacters(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const valid =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (!valid) return false;
  }
  return true;
}
