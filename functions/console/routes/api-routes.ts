import type { MessageRecord, StatusChange } from '../../app/message-record.ts';
import {
  ConsoleHttpError,
  isJsonType,
  isRecord,
  jsonResponse,
  parseJson,
  readBody,
  requireMediaType,
} from '../http-io.ts';
import { getMetrics } from '../metrics-route.ts';
import { reasonLabel } from '../reason-labels.ts';
import { customerOf, type TryReport, tryReport } from '../try-report.ts';
import { PENDING_API_ROUTES } from './pending-routes.ts';
import {
  cursorParam,
  eventsFrom,
  limitParam,
  replyProblem,
  sendEvents,
  timelinePage,
} from './request-input.ts';
import type { Route, RouteContext } from './route.ts';
import { RULE_SET_API_ROUTES } from './rule-set-routes.ts';
import { RULE_STATS_ROUTES } from './rule-stats-routes.ts';

/** The console's JSON API, under `/api/`: one line per route. */
export const API_ROUTES: readonly Route[] = [
  { path: '/api/messages', role: 'viewer', methods: { GET: listMessages } },
  { path: '/api/messages/:id', role: 'viewer', methods: { GET: getMessage } },
  // Scheduled messages (GET /api/pending) and cancel by hand (POST /api/messages/:id/cancel).
  ...PENDING_API_ROUTES,
  { path: '/api/customers', role: 'viewer', methods: { GET: listCustomers } },
  { path: '/api/customers/:id', role: 'viewer', methods: { GET: getCustomer } },
  // The suppression entries of a customer's addresses (in force and lifted), with history.
  { path: '/api/customers/:id/suppressions', role: 'viewer', methods: { GET: customerSuppressions } },
  // Privacy requests (GDPR art. 15 and 17): everything held about a customer; erase it.
  { path: '/api/customers/:id/export', role: 'privacy', methods: { GET: exportCustomer } },
  { path: '/api/customers/:id/erase', role: 'privacy', methods: { POST: eraseCustomer } },
  // One address's suppression, whoever it belongs to (the address URL-encoded: %2B for +).
  {
    path: '/api/suppressions/:channel{sms|email}/:address',
    role: 'viewer',
    methods: { GET: addressSuppression },
  },
  { path: '/api/rules', role: 'viewer', methods: { GET: listRules } },
  // A rule's daily counters (?days=1..; default 30 UTC days).
  ...RULE_STATS_ROUTES,
  // Goal rates and lift of one rule (?from=&to= as yyyy-MM-dd, UTC; default every day).
  { path: '/api/rules/:id/effect', role: 'viewer', methods: { GET: ruleEffect } },
  { path: '/api/rejected', role: 'viewer', methods: { GET: listRejected } },
  { path: '/api/metrics', role: 'viewer', methods: { GET: getMetrics } },
  { path: '/api/captured', role: 'viewer', methods: { GET: listCaptured } },
  { path: '/api/samples', role: 'viewer', methods: { GET: listSamples } },
  { path: '/api/clock', role: 'viewer', methods: { GET: getClock } },
  { path: '/api/events', role: 'editor', methods: { POST: postEvents } },
  // Sends one event and reports what it did (waits up to 10 s for the engine; 202 if still waiting).
  { path: '/api/try', role: 'editor', methods: { POST: postTry } },
  // What an event sent earlier did (?customer= the customer it names).
  { path: '/api/try/:eventId', role: 'viewer', methods: { GET: getTry } },
  // One page of a customer's timeline, newest first (?limit=1..200, ?cursor=).
  { path: '/api/customers/:id/timeline', role: 'viewer', methods: { GET: customerTimeline } },
  { path: '/api/replies', role: 'editor', methods: { POST: postReply } },
  // Rule editor: validate, preview, gate, publish, rollback, versions (rule-set-routes.ts).
  ...RULE_SET_API_ROUTES,
];

async function listMessages({ backend, url }: RouteContext): Promise<Response> {
  const limit = limitParam(url, 50, 200);
  const cursor = cursorParam(url);
  const result = await backend.listMessages({ limit, ...(cursor === undefined ? {} : { cursor }) });
  return jsonResponse(200, {
    items: result.items,
    ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
  });
}

async function getMessage({ backend, params }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const record = await backend.getMessage(id);
  if (record === undefined) throw new ConsoleHttpError(404, 'not-found', `no message with id ${id}`);
  return jsonResponse(200, record);
}

async function listCustomers({ backend }: RouteContext): Promise<Response> {
  return jsonResponse(200, { items: await backend.customers() });
}

async function getCustomer({ backend, params }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const found = await backend.customer(id);
  if (found === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
  return jsonResponse(200, {
    id,
    profile: found.profile ?? null,
    messages: found.messages,
    replies: found.replies,
  });
}

async function customerSuppressions({ backend, params }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const items = await backend.customerSuppressions(id);
  if (items === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
  return jsonResponse(200, { customerId: id, items });
}

async function exportCustomer({ backend, params }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const document = await backend.exportCustomer(id);
  if (document === undefined) throw new ConsoleHttpError(404, 'not-found', noSuchCustomer(id));
  return jsonResponse(200, document);
}

async function eraseCustomer({ backend, params, actor }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const result = await backend.eraseCustomer(id, { actor: actor ?? 'local-console' });
  switch (result.outcome) {
    case 'not-found':
      throw new ConsoleHttpError(404, 'not-found', noSuchCustomer(id));
    case 'in-flight':
      throw new ConsoleHttpError(
        409,
        'messages-in-flight',
        `${result.inFlight} message(s) to ${id} are being sent right now; nothing was erased, retry in a minute`,
      );
    case 'erased':
      return jsonResponse(200, { summary: result.summary, audit: result.audit });
  }
}

/** Why an export or erase found nobody. */
export function noSuchCustomer(id: string): string {
  return `no such customer: nothing is held about ${id} (never seen, or erased)`;
}

async function addressSuppression({ backend, params }: RouteContext): Promise<Response> {
  const channel = params.channel === 'email' ? 'email' : 'sms';
  const entry = await backend.addressSuppression(channel, params.address ?? '');
  if (entry === undefined)
    throw new ConsoleHttpError(404, 'not-found', `no ${channel} suppression for that address`);
  return jsonResponse(200, entry);
}

async function listRules({ backend }: RouteContext): Promise<Response> {
  const rules = await backend.rules();
  const issues = backend.ruleIssues();
  return jsonResponse(200, { valid: issues.length === 0, issues, rules });
}

async function listRejected({ backend, url }: RouteContext): Promise<Response> {
  return jsonResponse(200, { items: await backend.rejected(limitParam(url, 50, 500)) });
}

async function listCaptured({ backend, url }: RouteContext): Promise<Response> {
  const items = await backend.captured(limitParam(url, 50, 500));
  const note = backend.capturedNote?.();
  return jsonResponse(200, note === undefined ? { items } : { items, note });
}

async function listSamples({ backend }: RouteContext): Promise<Response> {
  return jsonResponse(200, { items: backend.samples() });
}

async function getClock({ backend }: RouteContext): Promise<Response> {
  return jsonResponse(200, backend.clock());
}

async function postEvents({ backend, req }: RouteContext): Promise<Response> {
  requireMediaType(req, isJsonType, 'application/json');
  const events = eventsFrom(parseJson(await readBody(req), 'request body'));
  const results = await sendEvents(backend, events);
  const rejected = results.filter((result) => !result.ok).length;
  const summary = { accepted: results.length - rejected, rejected, results };
  if (rejected === 0) return jsonResponse(200, summary);
  return jsonResponse(422, {
    error: { code: 'events-rejected', message: `${rejected} of ${results.length} events rejected` },
    ...summary,
  });
}

async function postReply({ backend, req }: RouteContext): Promise<Response> {
  requireMediaType(req, isJsonType, 'application/json');
  const input = parseJson(await readBody(req), 'request body');
  if (!isRecord(input)) {
    throw new ConsoleHttpError(400, 'invalid-request', 'expected a JSON object { from, body }');
  }
  const from = typeof input.from === 'string' ? input.from.trim() : undefined;
  const body = typeof input.body === 'string' ? input.body.trim() : undefined;
  if (from === undefined) throw new ConsoleHttpError(400, 'invalid-request', '`from` must be a string');
  if (body === undefined) throw new ConsoleHttpError(400, 'invalid-request', '`body` must be a string');
  const problem = replyProblem(from, body);
  if (problem !== undefined) throw new ConsoleHttpError(400, 'invalid-request', problem);
  const result = await backend.replyAsCustomer({ from, body });
  if (!result.ok) throw new ConsoleHttpError(422, 'reply-rejected', result.error);
  return jsonResponse(200, result.note === undefined ? { ok: true } : { ok: true, note: result.note });
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function ruleEffect({ backend, params, url }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const from = url.searchParams.get('from') ?? '0000-01-01';
  const to = url.searchParams.get('to') ?? '9999-12-31';
  if (!DAY.test(from) || !DAY.test(to))
    throw new ConsoleHttpError(400, 'invalid-request', 'from and to must be days such as 2026-12-01');
  const effect = await backend.ruleEffect(id, { from, to });
  if (effect === undefined) throw new ConsoleHttpError(404, 'not-found', `no rule with id ${id}`);
  return jsonResponse(200, effect);
}

/** How long `POST /api/try` waits for the engine, and how often it looks. */
const TRY_WAIT_MS = 10_000;
const TRY_POLL_MS = 200;

async function postTry({ backend, req }: RouteContext): Promise<Response> {
  requireMediaType(req, isJsonType, 'application/json');
  const event = parseJson(await readBody(req), 'request body');
  if (!isRecord(event))
    throw new ConsoleHttpError(400, 'invalid-events', 'expected one event (a JSON object)');
  const sent = await backend.sendTestEvent(event);
  if (!sent.ok) throw new ConsoleHttpError(422, 'event-rejected', sent.error);
  const customerId = customerOf(event);
  let report: TryReport = await tryReport(backend, sent.eventId, customerId);
  for (let waited = 0; report.state === 'waiting' && waited < TRY_WAIT_MS; waited += TRY_POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, TRY_POLL_MS));
    report = await tryReport(backend, sent.eventId, customerId);
  }
  return jsonResponse(report.state === 'waiting' ? 202 : 200, report);
}

async function getTry({ backend, params, url }: RouteContext): Promise<Response> {
  const customer = url.searchParams.get('customer') ?? '';
  const report = await tryReport(backend, params.eventId ?? '', customer === '' ? undefined : customer);
  return jsonResponse(200, report);
}

async function customerTimeline({ backend, params, url }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const cursor = cursorParam(url);
  const found = await timelinePage(backend, id, {
    limit: limitParam(url, 50, 200),
    ...(cursor === undefined ? {} : { cursor }),
  });
  if (found === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
  const items = found.items.map((entry) => {
    if (entry.kind === 'reply') return entry;
    if (entry.kind === 'message') return { ...entry, message: labelled(entry.message) };
    return { ...entry, decisions: entry.decisions.map(labelled) };
  });
  return jsonResponse(200, {
    customerId: id,
    items,
    ...(found.cursor === undefined ? {} : { cursor: found.cursor }),
  });
}

/** A message with each reason of its history also as a sentence (`label`, UTC times). */
function labelled(
  record: MessageRecord,
): MessageRecord & { history: Array<StatusChange & { label?: string }> } {
  return {
    ...record,
    history: record.history.map((change) =>
      change.reason === undefined
        ? change
        : {
            ...change,
            label: reasonLabel(change.reason, {
              sendAt: record.sendAt,
              ...(change.detail === undefined ? {} : { detail: change.detail }),
            }),
          },
    ),
  };
}
