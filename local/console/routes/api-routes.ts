import {
  ConsoleHttpError,
  isJsonType,
  isRecord,
  parseJson,
  readBody,
  requireMediaType,
  sendJson,
} from '../http-io.ts';
import { getMetrics } from '../metrics-route.ts';
import { PENDING_API_ROUTES } from './pending-routes.ts';
import { cursorParam, eventsFrom, limitParam, replyProblem, sendEvents } from './request-input.ts';
import type { Route, RouteContext } from './route.ts';
import { RULE_STATS_ROUTES } from './rule-stats-routes.ts';

/** The console's JSON API, under `/api/`: one line per route. */
export const API_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/messages$/, methods: { GET: listMessages } },
  { pattern: /^\/api\/messages\/([^/]+)$/, methods: { GET: getMessage } },
  ...PENDING_API_ROUTES,
  { pattern: /^\/api\/customers$/, methods: { GET: listCustomers } },
  { pattern: /^\/api\/customers\/([^/]+)$/, methods: { GET: getCustomer } },
  // The suppression entries of a customer's addresses (in force and lifted), with history.
  { pattern: /^\/api\/customers\/([^/]+)\/suppressions$/, methods: { GET: customerSuppressions } },
  // One address's suppression, whoever it belongs to (the address URL-encoded: %2B for +).
  { pattern: /^\/api\/suppressions\/(sms|email)\/([^/]+)$/, methods: { GET: addressSuppression } },
  { pattern: /^\/api\/rules$/, methods: { GET: listRules } },
  ...RULE_STATS_ROUTES,
  { pattern: /^\/api\/rejected$/, methods: { GET: listRejected } },
  { pattern: /^\/api\/metrics$/, methods: { GET: getMetrics } },
  { pattern: /^\/api\/captured$/, methods: { GET: listCaptured } },
  { pattern: /^\/api\/samples$/, methods: { GET: listSamples } },
  { pattern: /^\/api\/clock$/, methods: { GET: getClock } },
  { pattern: /^\/api\/events$/, methods: { POST: postEvents } },
  { pattern: /^\/api\/replies$/, methods: { POST: postReply } },
];

async function listMessages({ backend, res, url }: RouteContext): Promise<void> {
  const limit = limitParam(url, 50, 200);
  const cursor = cursorParam(url);
  const result = await backend.listMessages({ limit, ...(cursor === undefined ? {} : { cursor }) });
  sendJson(res, 200, {
    items: result.items,
    ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
  });
}

async function getMessage({ backend, res, params }: RouteContext): Promise<void> {
  const id = params[0] ?? '';
  const record = await backend.getMessage(id);
  if (record === undefined) throw new ConsoleHttpError(404, 'not-found', `no message with id ${id}`);
  sendJson(res, 200, record);
}

async function listCustomers({ backend, res }: RouteContext): Promise<void> {
  sendJson(res, 200, { items: await backend.customers() });
}

async function getCustomer({ backend, res, params }: RouteContext): Promise<void> {
  const id = params[0] ?? '';
  const found = await backend.customer(id);
  if (found === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
  sendJson(res, 200, {
    id,
    profile: found.profile ?? null,
    messages: found.messages,
    replies: found.replies,
  });
}

async function customerSuppressions({ backend, res, params }: RouteContext): Promise<void> {
  const id = params[0] ?? '';
  const items = await backend.customerSuppressions(id);
  if (items === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
  sendJson(res, 200, { customerId: id, items });
}

async function addressSuppression({ backend, res, params }: RouteContext): Promise<void> {
  const channel = params[0] === 'email' ? 'email' : 'sms';
  const entry = await backend.addressSuppression(channel, params[1] ?? '');
  if (entry === undefined)
    throw new ConsoleHttpError(404, 'not-found', `no ${channel} suppression for that address`);
  sendJson(res, 200, entry);
}

async function listRules({ backend, res }: RouteContext): Promise<void> {
  const rules = await backend.rules();
  const issues = backend.ruleIssues();
  sendJson(res, 200, { valid: issues.length === 0, issues, rules });
}

async function listRejected({ backend, res, url }: RouteContext): Promise<void> {
  sendJson(res, 200, { items: await backend.rejected(limitParam(url, 50, 500)) });
}

async function listCaptured({ backend, res, url }: RouteContext): Promise<void> {
  sendJson(res, 200, { items: await backend.captured(limitParam(url, 50, 500)) });
}

async function listSamples({ backend, res }: RouteContext): Promise<void> {
  sendJson(res, 200, { items: backend.samples() });
}

async function getClock({ backend, res }: RouteContext): Promise<void> {
  sendJson(res, 200, backend.clock());
}

async function postEvents({ backend, req, res }: RouteContext): Promise<void> {
  requireMediaType(req, isJsonType, 'application/json');
  const events = eventsFrom(parseJson(await readBody(req), 'request body'));
  const results = await sendEvents(backend, events);
  const rejected = results.filter((result) => !result.ok).length;
  const summary = { accepted: results.length - rejected, rejected, results };
  if (rejected === 0) return sendJson(res, 200, summary);
  sendJson(res, 422, {
    error: { code: 'events-rejected', message: `${rejected} of ${results.length} events rejected` },
    ...summary,
  });
}

async function postReply({ backend, req, res }: RouteContext): Promise<void> {
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
  sendJson(res, 200, result.note === undefined ? { ok: true } : { ok: true, note: result.note });
}
