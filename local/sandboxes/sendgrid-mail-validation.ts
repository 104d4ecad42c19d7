import { isRecord } from './loopback-server.ts';

/** One entry of SendGrid's `errors` array. */
export interface SendGridErrorItem {
  readonly message: string;
  readonly field: string | null;
  readonly help: string | null;
}

/** An address as SendGrid takes it. */
interface SandboxAddress {
  readonly email: string;
  readonly name: string | null;
}

/** One personalization of a kept email. */
interface SandboxPersonalization {
  readonly to: readonly SandboxAddress[];
  readonly cc: readonly SandboxAddress[];
  readonly bcc: readonly SandboxAddress[];
  readonly subject: string | null;
  readonly customArgs: Readonly<Record<string, string>>;
  /** The personalization's own `headers` (they override the message-level ones). */
  readonly headers: Readonly<Record<string, string>>;
  readonly dynamicTemplateData: Readonly<Record<string, unknown>> | null;
  readonly sendAt: number | null;
}

/** A v3 mail/send body that passed validation, in the sandbox's terms. */
export interface ValidMailSend {
  readonly from: SandboxAddress;
  readonly replyTo: SandboxAddress | null;
  readonly subject: string | null;
  readonly content: ReadonlyArray<{ readonly type: string; readonly value: string }>;
  readonly templateId: string | null;
  readonly categories: readonly string[];
  readonly customArgs: Readonly<Record<string, string>>;
  /** Message-level `headers`, as given (e.g. `List-Unsubscribe`, `List-Unsubscribe-Post`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly personalizations: readonly SandboxPersonalization[];
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
// Deliberately loose, like the provider: one @, no spaces or brackets, a dot in the domain.
const EMAIL = /^[^\s@<>()[\]",;:]+@[^\s@<>()[\]",;:]+\.[^\s@<>()[\]",;:]+$/;
const MAX_PERSONALIZATIONS = 1000;
const MAX_RECIPIENTS = 1000;
/**
 * Headers the v3 API will not let a sender set (its docs: "These headers cannot be one of the
 * reserved headers"); SendGrid writes them itself. Compared case-insensitively.
 */
const SENDGRID_RESERVED_HEADERS: readonly string[] = [
  'x-sg-id',
  'x-sg-eid',
  'received',
  'dkim-signature',
  'Content-Type',
  'Content-Transfer-Encoding',
  'To',
  'From',
  'Subject',
  'Reply-To',
  'CC',
  'BCC',
];
const RESERVED = new Set(SENDGRID_RESERVED_HEADERS.map((name) => name.toLowerCase()));
// RFC 5322 field names: printable US-ASCII except the colon.
const HEADER_NAME = /^[!-9;-~]+$/;

/** Records one validation error (`field` path, message, anchor of SendGrid's error docs). */
type Fail = (field: string | null, message: string, anchor: string) => void;

/**
 * Validate a v3 mail/send body for the common cases SendGrid rejects with 400 (missing or empty
 * personalizations, invalid or duplicate addresses, missing from/subject/content), collecting
 * every error like SendGrid does, with its `field` path (e.g. `personalizations.0.to.0.email`).
 */
export function validateMailSend(
  payload: unknown,
):
  | { readonly ok: true; readonly mail: ValidMailSend }
  | { readonly ok: false; readonly errors: SendGridErrorItem[] } {
  const errors: SendGridErrorItem[] = [];
  const fail: Fail = (field, message, anchor) => errors.push({ field, message, help: `${HELP}#${anchor}` });
  if (!isRecord(payload)) {
    return { ok: false, errors: [{ field: null, message: 'Bad Request', help: null }] };
  }
  // The errors come out in the order these are read (personalizations, from, reply_to, subject, …).
  const templateId = typeof payload.template_id === 'string' ? payload.template_id : null;
  const personalizations = readPersonalizations(payload.personalizations, fail);
  const from = readFrom(payload.from, fail);
  const replyTo = readReplyTo(payload.reply_to, fail);
  const subject = typeof payload.subject === 'string' && payload.subject !== '' ? payload.subject : null;
  const everyPersonalizationHasSubject =
    personalizations.length > 0 && personalizations.every((p) => p.subject !== null && p.subject !== '');
  if (subject === null && templateId === null && !everyPersonalizationHasSubject) {
    fail(
      'subject',
      'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
      'message.subject',
    );
  }
  const content = readContent(payload.content, templateId, fail);
  const categories = Array.isArray(payload.categories)
    ? payload.categories.filter((c: unknown): c is string => typeof c === 'string')
    : [];
  const customArgs = readCustomArgs(payload.custom_args, 'custom_args', fail);
  const headers = readHeaders(payload.headers, 'headers', fail);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    mail: { from, replyTo, subject, content, templateId, categories, customArgs, headers, personalizations },
  };
}

function readPersonalizations(raw: unknown, fail: Fail): SandboxPersonalization[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    fail(
      'personalizations',
      'The personalizations field is required and must have at least one personalization.',
      '-Personalizations-Errors',
    );
    return [];
  }
  if (raw.length > MAX_PERSONALIZATIONS) {
    fail(
      'personalizations',
      `The personalization block is limited to ${MAX_PERSONALIZATIONS} personalizations per API request. You have provided ${raw.length} personalizations. Please consider splitting this into multiple requests and resending your request.`,
      '-Personalizations-Errors',
    );
    return [];
  }
  const personalizations: SandboxPersonalization[] = [];
  raw.forEach((item: unknown, index) => {
    const read = readPersonalization(item, `personalizations.${index}`, fail);
    if (read !== undefined) personalizations.push(read);
  });
  const recipients = personalizations.reduce((sum, p) => sum + p.to.length + p.cc.length + p.bcc.length, 0);
  if (recipients > MAX_RECIPIENTS) {
    fail(
      'personalizations',
      `There is a limit of ${MAX_RECIPIENTS} total recipients (to + cc + bcc) per request.`,
      '-Personalizations-Errors',
    );
  }
  return personalizations;
}

function readPersonalization(raw: unknown, path: string, fail: Fail): SandboxPersonalization | undefined {
  if (!isRecord(raw)) {
    fail(path, 'The personalization must be an object.', 'message.personalizations');
    return undefined;
  }
  const to = readAddressList(raw.to, `${path}.to`, fail);
  const cc = readAddressList(raw.cc, `${path}.cc`, fail);
  const bcc = readAddressList(raw.bcc, `${path}.bcc`, fail);
  if (!Array.isArray(raw.to) || raw.to.length === 0) {
    fail(
      `${path}.to`,
      'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
      'message.personalizations.to',
    );
  }
  const seen = new Set<string>();
  for (const [kind, list] of [
    ['to', to],
    ['cc', cc],
    ['bcc', bcc],
  ] as const) {
    for (const address of list) {
      const key = address.email.toLowerCase();
      if (seen.has(key)) {
        fail(
          path,
          `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${address.email}] in the ${path}.${kind} field.`,
          'message.recipient_errors',
        );
      }
      seen.add(key);
    }
  }
  return {
    to,
    cc,
    bcc,
    subject: typeof raw.subject === 'string' ? raw.subject : null,
    customArgs: readCustomArgs(raw.custom_args, `${path}.custom_args`, fail),
    headers: readHeaders(raw.headers, `${path}.headers`, fail),
    dynamicTemplateData: isRecord(raw.dynamic_template_data) ? raw.dynamic_template_data : null,
    sendAt: typeof raw.send_at === 'number' ? raw.send_at : null,
  };
}

function readFrom(raw: unknown, fail: Fail): SandboxAddress {
  if (!isRecord(raw) || typeof raw.email !== 'string') {
    fail(
      'from',
      'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.',
      'message.from',
    );
    return { email: '', name: null };
  }
  if (!EMAIL.test(raw.email)) {
    fail('from.email', 'The from email does not contain a valid address.', 'message.from');
    return { email: '', name: null };
  }
  return { email: raw.email, name: typeof raw.name === 'string' ? raw.name : null };
}

function readReplyTo(raw: unknown, fail: Fail): SandboxAddress | null {
  if (raw === undefined) return null;
  if (!isRecord(raw) || typeof raw.email !== 'string' || !EMAIL.test(raw.email)) {
    fail('reply_to.email', 'The reply_to email does not contain a valid address.', 'message.reply_to');
    return null;
  }
  return { email: raw.email, name: typeof raw.name === 'string' ? raw.name : null };
}

function readContent(
  raw: unknown,
  templateId: string | null,
  fail: Fail,
): Array<{ type: string; value: string }> {
  const content: Array<{ type: string; value: string }> = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    if (templateId === null) {
      fail(
        'content',
        'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.',
        'message.content',
      );
    }
    return content;
  }
  raw.forEach((block: unknown, index) => {
    const type = isRecord(block) && typeof block.type === 'string' ? block.type : '';
    const value = isRecord(block) && typeof block.value === 'string' ? block.value : '';
    if (type === '') {
      fail(
        `content.${index}.type`,
        'The content type must be a string at least one character in length.',
        'message.content.type',
      );
    }
    if (value === '') {
      fail(
        `content.${index}.value`,
        'The content value must be a string at least one character in length.',
        'message.content.value',
      );
    }
    content.push({ type, value });
  });
  return content;
}

function readAddressList(raw: unknown, path: string, fail: Fail): SandboxAddress[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    fail(path, 'The recipient list must be an array of email objects.', 'message.personalizations');
    return [];
  }
  const addresses: SandboxAddress[] = [];
  raw.forEach((entry: unknown, index) => {
    const email = isRecord(entry) && typeof entry.email === 'string' ? entry.email : null;
    if (email === null || !EMAIL.test(email)) {
      fail(`${path}.${index}.email`, 'Does not contain a valid address.', 'message.personalizations');
      return;
    }
    addresses.push({ email, name: isRecord(entry) && typeof entry.name === 'string' ? entry.name : null });
  });
  return addresses;
}

function readCustomArgs(raw: unknown, path: string, fail: Fail): Record<string, string> {
  // SendGrid only takes string values here; numbers are the usual mistake.
  return readStringRecord(raw, path, fail, 'custom_args', () => true);
}

/**
 * `headers`: an object of string values (SendGrid: "The key/value pairs must be strings"), none
 * of them a reserved header, names that can be header field names, values on one line.
 */
function readHeaders(raw: unknown, path: string, fail: Fail): Record<string, string> {
  return readStringRecord(raw, path, fail, 'headers', (name, value) => {
    if (RESERVED.has(name.toLowerCase())) {
      fail(
        `${path}.${name}`,
        `The header ${name} is reserved and cannot be set. Reserved headers: ${SENDGRID_RESERVED_HEADERS.join(', ')}.`,
        'message.headers',
      );
      return false;
    }
    if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) {
      fail(`${path}.${name}`, 'The header name or value is not valid.', 'message.headers');
      return false;
    }
    return true;
  });
}

/** An object of string values (`custom_args`, `headers`); `accept` refuses more, reporting why. */
function readStringRecord(
  raw: unknown,
  path: string,
  fail: Fail,
  parameter: 'custom_args' | 'headers',
  accept: (name: string, value: string) => boolean,
): Record<string, string> {
  if (raw === undefined) return {};
  const anchor = `message.${parameter}`;
  if (!isRecord(raw)) {
    fail(path, `The ${parameter} parameter must be an object.`, anchor);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      fail(`${path}.${name}`, `Invalid type. Expected: string, given: ${typeOf(value)}.`, anchor);
      continue;
    }
    if (accept(name, value)) out[name] = value;
  }
  return out;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
