import { DateTime } from 'luxon';
import { createMemoryStores, type MemoryStores } from '../../functions/adapters/memory/memory-stores.ts';
import type { MessageRecord, RejectedEvent } from '../../functions/app/message-record.ts';
import type { CancelResult, ProvisionalPreview } from '../../functions/app/pending-sends.ts';
import type { ActivityEntry } from '../../functions/app/ports/console-queries.ts';
import type { ArchivedEvent } from '../../functions/app/ports/event-archive.ts';
import type { Suppression } from '../../functions/app/ports/suppressions.ts';
import type { InboundReply } from '../../functions/app/ports.ts';
import {
  type EraseRequest,
  type EraseResult,
  eraseCustomer,
} from '../../functions/app/privacy/erase-customer.ts';
import { type CustomerExport, exportCustomer } from '../../functions/app/privacy/export-customer.ts';
import type { RuleEffect } from '../../functions/app/rule-effect.ts';
import type { RuleStatsReport } from '../../functions/app/rule-stats-report.ts';
import type { Role } from '../../functions/console/auth/roles.ts';
import type {
  CapturedMessage,
  ConsoleBackend,
  ConsoleRule,
  SampleEvent,
} from '../../functions/console/console-backend.ts';
import type { RuleSetConsole } from '../../functions/console/rule-set-console.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import { type ConsoleServer, startConsoleServer } from '../../local/runtime/start-console.ts';

/** A delivered SMS to Anna in Stockholm, overridable field by field. */
export function aMessage(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'msg-1',
    ruleId: 'callback-booked',
    customerId: 'cust-anna',
    trigger: {
      id: 'ev-cb-1',
      source: 'acme.contact-centre',
      detailType: 'CallbackBooked',
      time: '2026-11-24T09:05:00Z',
      detail: {
        callbackAt: '2026-11-24T14:20:00+01:00',
        customer: { id: 'cust-anna', firstName: 'Anna', phone: '+46701234567', timeZone: 'Europe/Stockholm' },
      },
    },
    createdAt: '2026-11-24T09:05:01Z',
    sendAt: '2026-11-24T09:05:01Z',
    status: 'delivered',
    dedupeKey: 'callback-booked#ev-cb-1',
    attempts: 1,
    channel: 'sms',
    to: '+46701234567',
    locale: 'sv-SE',
    rendered: { channel: 'sms', text: 'Hej Anna! Vi ringer dig kl. 14:20.', encoding: 'GSM-7', segments: 1 },
    providerId: 'SM0001',
    sentAt: '2026-11-24T09:05:02Z',
    history: [
      { at: '2026-11-24T09:05:01Z', status: 'scheduled' },
      { at: '2026-11-24T09:05:02Z', status: 'sending' },
      { at: '2026-11-24T09:05:02Z', status: 'sent' },
      {
        at: '2026-11-24T09:05:04Z',
        status: 'delivered',
        reason: 'provider-callback',
        detail: 'twilio: delivered',
      },
    ],
    ...overrides,
  };
}

/** Anna's stored profile. */
export function aProfile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    id: 'cust-anna',
    firstName: 'Anna',
    phone: '+46701234567',
    email: 'anna@example.se',
    locale: 'sv-SE',
    timeZone: 'Europe/Stockholm',
    consent: { sms: { granted: true, at: '2026-11-20T08:00:00Z', source: 'event:ev-0' } },
    updatedAt: '2026-11-24T09:05:00Z',
    ...overrides,
  };
}

/** A console rule with no outcomes yet. */
export function aConsoleRule(overrides: Partial<ConsoleRule> = {}): ConsoleRule {
  return {
    id: 'callback-booked',
    description: 'Confirm a booked callback with its time.',
    enabled: true,
    urgent: false,
    file: 'rules/callback-booked.yaml',
    summary: 'CallbackBooked → sms, immediately, cancel on CallbackCompleted',
    channels: ['sms'],
    template: 'callback-booked',
    counts: {},
    suppressedBy: {},
    nextPlanned: [],
    ...overrides,
  };
}

const SAMPLES: SampleEvent[] = [
  {
    name: 'Callback booked (Anna, Stockholm)',
    event: {
      version: '0',
      id: 'ev-sample-cb',
      'detail-type': 'CallbackBooked',
      source: 'acme.contact-centre',
      account: '111122223333',
      time: '2026-11-24T09:05:00Z',
      region: 'eu-north-1',
      resources: [],
      detail: {
        callbackId: 'CB-9',
        callbackAt: '2026-11-24T14:20:00+01:00',
        customer: {
          id: 'cust-anna',
          firstName: 'Anna',
          phone: '+46701234567',
          locale: 'sv-SE',
          timeZone: 'Europe/Stockholm',
        },
      },
    },
  },
  {
    name: 'Email received (Emily, New York)',
    event: {
      version: '0',
      id: 'ev-sample-em',
      'detail-type': 'EmailReceived',
      source: 'acme.contact-centre',
      account: '111122223333',
      time: '2026-11-24T12:00:00Z',
      region: 'eu-north-1',
      resources: [],
      detail: {
        customer: {
          id: 'cust-emily',
          firstName: 'Emily',
          email: 'emily@example.com',
          timeZone: 'America/New_York',
        },
      },
    },
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringAt(value: Record<string, unknown>, key: string): string | undefined {
  const found = value[key];
  return typeof found === 'string' ? found : undefined;
}

const INTENTS: Record<string, InboundReply['intent']> = {
  YES: 'yes',
  JA: 'yes',
  NO: 'no',
  NEJ: 'no',
  STOP: 'stop',
  STOPP: 'stop',
  START: 'start',
  HELP: 'help',
};

/**
 * An in-memory {@link ConsoleBackend} for the console's tests. Seed it through its public
 * arrays and maps; `sendTestEvent` behaves like a tiny runtime (a valid event with a customer
 * becomes a sent message, a profile and a captured SMS or email), so the browser test can drive
 * the console end to end without the real engine.
 */
export class FakeConsoleBackend implements ConsoleBackend {
  now = '2026-11-24T09:10:00.000Z';
  speed = 60;
  messages: MessageRecord[] = [];
  profiles = new Map<string, CustomerProfile>();
  replies: InboundReply[] = [];
  /** Suppression entries; a customer's are those naming her or her profile's addresses. */
  suppressions: Suppression[] = [];
  consoleRules: ConsoleRule[] = [];
  issues: string[] = [];
  rejectedEvents: RejectedEvent[] = [];
  capturedMessages: CapturedMessage[] = [];
  sampleEvents: SampleEvent[] = SAMPLES;
  /** Every event the console sent, in order. */
  sentEvents: unknown[] = [];
  /** Every reply the console sent, in order. */
  sentReplies: Array<{ from: string; body: string }> = [];
  /** Rule-set versions for the rule editor; unset, the console offers no editing. */
  ruleSetConsole: RuleSetConsole | undefined;
  /** When set, every async read throws it (to test the console's 500 handling). */
  failReadsWith: Error | undefined;
  #counter = 0;

  clock(): { now: string; speed: number } {
    return { now: this.now, speed: this.speed };
  }

  ruleIssues(): string[] {
    return this.issues;
  }

  async rules(): Promise<ConsoleRule[]> {
    this.#maybeFail();
    return this.consoleRules;
  }

  /** A rule's `days` as seeded on its console rule (the last `days` of them), with their sums. */
  async ruleStats(ruleId: string, days: number): Promise<RuleStatsReport | undefined> {
    this.#maybeFail();
    const rule = this.consoleRules.find((candidate) => candidate.id === ruleId);
    if (rule === undefined) return undefined;
    const daily = (rule.days ?? []).slice(-days);
    const totals: Record<string, number> = {};
    for (const day of daily) {
      for (const [counter, count] of Object.entries(day.counts))
        totals[counter] = (totals[counter] ?? 0) + count;
    }
    return { ruleId, from: daily[0]?.day ?? '', to: daily[daily.length - 1]?.day ?? '', days: daily, totals };
  }

  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    this.#maybeFail();
    const sorted = [...this.messages].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.messageId.localeCompare(a.messageId),
    );
    const start = options.cursor === undefined ? 0 : Number(options.cursor.replace(/^c/, ''));
    const items = sorted.slice(start, start + options.limit);
    const next = start + options.limit;
    return next < sorted.length ? { items, cursor: `c${next}` } : { items };
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    this.#maybeFail();
    return this.messages.find((message) => message.messageId === messageId);
  }

  /** Provisional previews to show, by message id. */
  previews = new Map<string, ProvisionalPreview>();

  /** The seeded messages that are scheduled and match, soonest first (one page, no cursor). */
  async pendingSends(query: {
    rule?: string;
    customer?: string;
    from?: string;
    to?: string;
    limit: number;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    this.#maybeFail();
    const items = this.messages
      .filter(
        (message) =>
          message.status === 'scheduled' &&
          (query.rule === undefined || message.ruleId === query.rule) &&
          (query.customer === undefined || message.customerId === query.customer) &&
          (query.from === undefined || message.sendAt >= query.from) &&
          (query.to === undefined || message.sendAt <= query.to),
      )
      .sort((a, b) => a.sendAt.localeCompare(b.sendAt));
    return { items: items.slice(0, query.limit) };
  }

  /** Cancels a seeded scheduled message in place. */
  async cancelMessage(messageId: string): Promise<CancelResult> {
    const message = this.messages.find((candidate) => candidate.messageId === messageId);
    if (message === undefined) return { kind: 'not-found', messageId };
    if (message.status !== 'scheduled') return { kind: 'not-scheduled', messageId, status: message.status };
    message.status = 'cancelled';
    message.reason = 'cancelled-by-operator';
    message.history.push({ at: this.now, status: 'cancelled', reason: 'cancelled-by-operator' });
    return {
      kind: 'cancelled',
      summary: {
        action: 'cancel-message',
        messageId,
        ruleId: message.ruleId,
        customerId: message.customerId,
        sendAt: message.sendAt,
        from: 'scheduled',
        status: 'cancelled',
        reason: 'cancelled-by-operator',
        at: this.now,
      },
    };
  }

  async provisionalPreview(messageId: string): Promise<ProvisionalPreview | undefined> {
    return this.previews.get(messageId);
  }

  async customers(): Promise<Array<{ id: string; lastSeen: string }>> {
    this.#maybeFail();
    const seen = new Map<string, string>();
    for (const profile of this.profiles.values()) seen.set(profile.id, profile.updatedAt);
    for (const message of this.messages) {
      const last = seen.get(message.customerId);
      if (last === undefined || last < message.createdAt) seen.set(message.customerId, message.createdAt);
    }
    return [...seen]
      .map(([id, lastSeen]) => ({ id, lastSeen }))
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }

  async customer(
    customerId: string,
  ): Promise<
    { profile: CustomerProfile | undefined; messages: MessageRecord[]; replies: InboundReply[] } | undefined
  > {
    this.#maybeFail();
    const profile = this.profiles.get(customerId);
    const messages = this.messages.filter((message) => message.customerId === customerId);
    const replies = this.replies.filter((reply) => reply.customerId === customerId);
    if (profile === undefined && messages.length === 0 && replies.length === 0) return undefined;
    return { profile, messages, replies };
  }

  /** Events evaluate accepted (the archive); `sendTestEvent` adds one per valid event. */
  archivedEvents: ArchivedEvent[] = [];

  /**
   * The customer's events, messages and replies newest first by (time, kind, id) as the timeline
   * index sorts; an event's decisions are its messages created when it was accepted.
   */
  async customerActivity(
    customerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ profile: CustomerProfile | undefined; items: ActivityEntry[]; cursor?: string } | undefined> {
    this.#maybeFail();
    const messages = this.messages.filter((message) => message.customerId === customerId);
    const all: Array<{ key: string; entry: ActivityEntry }> = [
      ...messages.map((message) => ({
        key: `${message.createdAt}#MSG#${message.messageId}`,
        entry: { kind: 'message', at: message.createdAt, message } as const,
      })),
      ...this.replies
        .filter((reply) => reply.customerId === customerId)
        .map((reply) => ({
          key: `${reply.receivedAt}#REPLY#${reply.replyId}`,
          entry: { kind: 'reply', at: reply.receivedAt, reply } as const,
        })),
      ...this.archivedEvents
        .filter((archived) => archived.customerId === customerId)
        .map((archived) => ({
          key: `${archived.at}#EVENT#${archived.event.id}`,
          entry: {
            kind: 'event',
            at: archived.at,
            event: archived,
            decisions: messages.filter(
              (m) => m.trigger.id === archived.event.id && m.createdAt === archived.receivedAt,
            ),
          } as const,
        })),
    ].sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    if (page.cursor !== undefined && !/^c\d+$/.test(page.cursor))
      throw new RangeError('not a cursor of this backend');
    const start = page.cursor === undefined ? 0 : Number(page.cursor.slice(1));
    const profile = this.profiles.get(customerId);
    if (profile === undefined && all.length === 0) return undefined;
    const items = all.slice(start, start + page.limit).map((item) => item.entry);
    const next = start + page.limit;
    return next < all.length ? { profile, items, cursor: `c${next}` } : { profile, items };
  }

  /** What the privacy requests run on: the real use cases over memory stores the test seeds. */
  privacyStores: MemoryStores = createMemoryStores();

  async exportCustomer(customerId: string): Promise<CustomerExport | undefined> {
    this.#maybeFail();
    return exportCustomer(customerId, this.#privacyDeps());
  }

  async eraseCustomer(customerId: string, request: EraseRequest): Promise<EraseResult> {
    this.#maybeFail();
    return eraseCustomer(customerId, request, this.#privacyDeps());
  }

  #privacyDeps() {
    const now = DateTime.fromISO(this.now, { zone: 'utc' });
    return { ...this.privacyStores, clock: { now: () => now }, defaultCountry: 'SE' };
  }

  async customerSuppressions(customerId: string): Promise<Suppression[] | undefined> {
    this.#maybeFail();
    const found = await this.customer(customerId);
    if (found === undefined) return undefined;
    const mine = [found.profile?.phone, found.profile?.email?.toLowerCase()];
    return this.suppressions.filter(
      (entry) => entry.customerId === customerId || mine.includes(entry.address),
    );
  }

  async addressSuppression(channel: 'sms' | 'email', address: string): Promise<Suppression | undefined> {
    this.#maybeFail();
    const wanted = channel === 'email' ? address.trim().toLowerCase() : address.trim();
    return this.suppressions.find((entry) => entry.channel === channel && entry.address === wanted);
  }

  async rejected(limit: number): Promise<RejectedEvent[]> {
    this.#maybeFail();
    return this.rejectedEvents.slice(0, limit);
  }

  async captured(limit: number): Promise<CapturedMessage[]> {
    this.#maybeFail();
    return this.capturedMessages.slice(0, limit);
  }

  samples(): SampleEvent[] {
    return this.sampleEvents;
  }

  async sendTestEvent(event: unknown): Promise<{ ok: true; eventId: string } | { ok: false; error: string }> {
    this.sentEvents.push(event);
    const problem = this.#check(event);
    if (problem !== undefined) {
      this.rejectedEvents.unshift({
        receivedAt: this.now,
        reason: problem,
        raw: JSON.stringify(event).slice(0, 2000),
      });
      return { ok: false, error: problem };
    }
    if (!isRecord(event) || !isRecord(event.detail) || !isRecord(event.detail.customer)) {
      return { ok: false, error: 'unreachable' };
    }
    this.#counter++;
    const eventId = stringAt(event, 'id') ?? `ev-fake-${this.#counter}`;
    const detailType = stringAt(event, 'detail-type') ?? '';
    const customer = event.detail.customer;
    const customerId = stringAt(customer, 'id') ?? '';
    const phone = stringAt(customer, 'phone');
    const email = stringAt(customer, 'email');
    const firstName = stringAt(customer, 'firstName') ?? 'there';
    const timeZone = stringAt(customer, 'timeZone');
    this.profiles.set(customerId, {
      id: customerId,
      firstName,
      ...(phone === undefined ? {} : { phone }),
      ...(email === undefined ? {} : { email }),
      ...(timeZone === undefined ? {} : { timeZone }),
      consent: {},
      updatedAt: this.now,
    });
    this.archivedEvents.push({
      event: {
        id: eventId,
        source: stringAt(event, 'source') ?? '',
        'detail-type': detailType,
        time: this.now,
        detail: event.detail,
      },
      at: this.now,
      receivedAt: this.now,
      customerId,
    });
    const ruleId = detailType.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    const messageId = `msg-fake-${this.#counter}`;
    const to = phone ?? email ?? '';
    const base = aMessage({
      messageId,
      ruleId,
      customerId,
      trigger: {
        id: eventId,
        source: stringAt(event, 'source') ?? '',
        detailType,
        time: stringAt(event, 'time') ?? this.now,
        detail: event.detail,
      },
      createdAt: this.now,
      sendAt: this.now,
      sentAt: this.now,
      status: 'sent',
      dedupeKey: `${ruleId}#${eventId}`,
      to,
      providerId: `SM-fake-${this.#counter}`,
      history: [
        { at: this.now, status: 'scheduled' },
        { at: this.now, status: 'sent' },
      ],
    });
    const message: MessageRecord =
      phone !== undefined
        ? {
            ...base,
            channel: 'sms',
            rendered: {
              channel: 'sms',
              text: `Hej ${firstName}! Vi har tagit emot ditt ärende (${detailType}).`,
              encoding: 'GSM-7',
              segments: 1,
            },
          }
        : {
            ...base,
            channel: 'email',
            rendered: {
              channel: 'email',
              subject: `We got your message, ${firstName}`,
              text: `Hi ${firstName}, expect an answer within 4 hours.`,
              html: `<p>Hi <b>${firstName}</b>, expect an answer within 4 hours.</p>`,
            },
          };
    this.messages.push(message);
    const rendered = message.rendered;
    this.capturedMessages.unshift({
      providerId: message.providerId ?? '',
      channel: message.channel ?? 'sms',
      to,
      at: this.now,
      summary: rendered === undefined ? '' : rendered.channel === 'sms' ? rendered.text : rendered.subject,
      status: 'sent',
    });
    return { ok: true, eventId };
  }

  async replyAsCustomer(input: {
    from: string;
    body: string;
  }): Promise<{ ok: true } | { ok: false; error: string }> {
    this.sentReplies.push(input);
    const latest = this.capturedMessages.find((item) => item.channel === 'sms' && item.to === input.from);
    const message = this.messages.find((item) => item.providerId === latest?.providerId);
    if (latest === undefined || message === undefined) {
      return { ok: false, error: `no SMS was sent to ${input.from}` };
    }
    this.#counter++;
    const intent = INTENTS[input.body.trim().toUpperCase()];
    this.replies.push({
      replyId: `reply-${this.#counter}`,
      receivedAt: this.now,
      from: input.from,
      body: input.body,
      customerId: message.customerId,
      messageId: message.messageId,
      ruleId: message.ruleId,
      ...(intent === undefined ? {} : { intent }),
    });
    return { ok: true };
  }

  /** Rule effects by rule id, as the report would compute them. */
  effects = new Map<string, RuleEffect>();
  /** Every range the console asked an effect for, in order. */
  effectRanges: Array<{ from: string; to: string }> = [];

  async ruleEffect(ruleId: string, range: { from: string; to: string }): Promise<RuleEffect | undefined> {
    this.#maybeFail();
    this.effectRanges.push(range);
    return this.effects.get(ruleId);
  }

  endpoints(): { console: string; events: string; twilio: string; sendgrid: string } {
    return {
      console: 'http://127.0.0.1:8080',
      events: 'http://127.0.0.1:4010',
      twilio: 'http://127.0.0.1:4011',
      sendgrid: 'http://127.0.0.1:4012',
    };
  }

  #check(event: unknown): string | undefined {
    if (!isRecord(event)) return 'event is not an object';
    if (stringAt(event, 'source') === undefined) return 'source: required';
    if (stringAt(event, 'detail-type') === undefined) return 'detail-type: required';
    const detail = event.detail;
    if (!isRecord(detail) || !isRecord(detail.customer) || stringAt(detail.customer, 'id') === undefined) {
      return 'detail.customer.id: required';
    }
    return undefined;
  }

  #maybeFail(): void {
    if (this.failReadsWith !== undefined) throw this.failReadsWith;
  }
}

/** A console on a free port over a fresh fake backend, with what it reported as unexpected. */
export interface ConsoleHarness {
  backend: FakeConsoleBackend;
  server: ConsoleServer;
  errors: unknown[];
  /** GET (or another method) a console path, never following redirects. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST JSON to a console path. */
  postJson(path: string, body: unknown): Promise<Response>;
  /** POST an HTML form to a console path. */
  postForm(path: string, fields: Record<string, string>): Promise<Response>;
}

/** Starts a console over a fake backend, seeded by `seed` before the first request. */
export async function startConsoleHarness(
  seed: (backend: FakeConsoleBackend) => void = () => {},
  /** The open console's user's roles (default: every role, as `npm start`'s local user). */
  options: { roles?: Role[] } = {},
): Promise<ConsoleHarness> {
  const backend = new FakeConsoleBackend();
  seed(backend);
  const errors: unknown[] = [];
  const server = await startConsoleServer({
    backend,
    port: 0,
    onError: (error) => errors.push(error),
    ...(options.roles === undefined
      ? {}
      : { localUser: { sub: 'local-test', name: 'local-test', roles: options.roles } }),
  });
  const request = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, { redirect: 'manual', ...init });
  return {
    backend,
    server,
    errors,
    request,
    postJson: (path, body) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    postForm: (path, fields) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
  };
}
