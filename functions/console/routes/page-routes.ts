import type { ConsoleBackend } from '../console-backend.ts';
import { maskedFor, showsContacts } from '../contact-masking.ts';
import { ConsoleHttpError, parseJson, redirect } from '../http-io.ts';
import { customerPage, customersPage } from '../pages/customer-pages.ts';
import { messagePage } from '../pages/message-page.ts';
import { outboxPage, zoneOf } from '../pages/outbox-page.ts';
import { ruleEffectPage } from '../pages/rule-effect-page.ts';
import { rulesPage } from '../pages/rules-page.ts';
import { type TryView, tryPage, tryReportPage } from '../pages/try-page.ts';
import { customerOf, tryReport } from '../try-report.ts';
import { errorPage, page } from './page-view.ts';
import { PENDING_PAGE_ROUTES } from './pending-routes.ts';
import { PRIVACY_PAGE_ROUTES } from './privacy-routes.ts';
import {
  cursorParam,
  eventsFrom,
  MAX_EVENTS_PER_POST,
  readForm,
  replyProblem,
  sendEvents,
  timelinePage,
  zoneParam,
} from './request-input.ts';
import type { Route, RouteContext } from './route.ts';
import { RULE_EDITOR_PAGE_ROUTES } from './rule-editor-routes.ts';

const OUTBOX_PAGE_SIZE = 25;
const TIMELINE_PAGE_SIZE = 25;

/** The console's server-rendered pages: one line per route. */
export const PAGE_ROUTES: readonly Route[] = [
  { path: '/', role: 'viewer', methods: { GET: outbox } },
  { path: '/messages/:id', role: 'viewer', methods: { GET: message } },
  { path: '/customers', role: 'viewer', methods: { GET: customers } },
  { path: '/customers/:id', role: 'viewer', methods: { GET: customer } },
  { path: '/rules', role: 'viewer', methods: { GET: rules } },
  ...PENDING_PAGE_ROUTES,
  ...PRIVACY_PAGE_ROUTES,
  { path: '/rules/:id/effect', role: 'viewer', methods: { GET: ruleEffect } },
  { path: '/try', role: 'viewer', methods: { GET: tryIt } },
  { path: '/try/events', role: 'editor', methods: { POST: tryEvents } },
  // What the events just sent did: rules matched, messages planned/held back/closed, with reasons.
  { path: '/try/report', role: 'viewer', methods: { GET: tryReportView } },
  { path: '/try/replies', role: 'editor', methods: { POST: tryReply } },
  // Rule editor, publish gate and version history (rule-editor-routes.ts).
  ...RULE_EDITOR_PAGE_ROUTES,
];

async function outbox(ctx: RouteContext): Promise<Response> {
  const cursor = cursorParam(ctx.url);
  const result = await ctx.backend.listMessages({
    limit: OUTBOX_PAGE_SIZE,
    ...(cursor === undefined ? {} : { cursor }),
  });
  const found = await ctx.zones.lookup(result.items.map((item) => item.customerId));
  const body = outboxPage({
    items: result.items,
    zones: found,
    sent: ctx.url.searchParams.getAll('sent').slice(0, MAX_EVENTS_PER_POST),
    ...(cursor === undefined ? {} : { cursor }),
    ...(result.cursor === undefined ? {} : { nextCursor: result.cursor }),
  });
  return page(ctx, 200, 'Outbox', '/', body);
}

async function message(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const record = await ctx.backend.getMessage(id);
  if (record === undefined) return errorPage(ctx, 404, 'Message not found', `No message with id ${id}.`);
  const found = await ctx.zones.lookup([record.customerId]);
  const provisional = record.status === 'scheduled' ? await ctx.backend.provisionalPreview(id) : undefined;
  return page(
    ctx,
    200,
    `Message ${id}`,
    'none',
    messagePage(record, zoneOf(record, found), provisional, ctx.may?.('editor') ?? true),
  );
}

async function customers(ctx: RouteContext): Promise<Response> {
  const all = await ctx.backend.customers();
  const found = await ctx.zones.lookup(all.slice(0, 200).map((item) => item.id));
  return page(ctx, 200, 'Customers', '/customers', customersPage(all, found));
}

async function customer(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const cursor = cursorParam(ctx.url);
  const before = ctx.url.searchParams.get('before') ?? undefined;
  const viewerZone = zoneParam(ctx.url);
  const [found, suppressions] = await Promise.all([
    timelinePage(ctx.backend, id, { limit: TIMELINE_PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) }),
    ctx.backend.customerSuppressions(id),
  ]);
  if (found === undefined) return errorPage(ctx, 404, 'Customer not found', `No customer with id ${id}.`);
  ctx.zones.remember(id, found.profile?.timeZone);
  const body = customerPage({
    customerId: id,
    profile: found.profile,
    activity: found.items,
    suppressions: suppressions ?? [],
    privacy: showsContacts(ctx.backend),
    ...(cursor === undefined ? {} : { cursor }),
    ...(found.cursor === undefined ? {} : { nextCursor: found.cursor }),
    ...(before === undefined || Number.isNaN(Date.parse(before)) ? {} : { before }),
    ...(viewerZone === undefined ? {} : { viewerZone }),
  });
  return page(ctx, 200, `Customer ${id}`, '/customers', body);
}

async function rules(ctx: RouteContext): Promise<Response> {
  const all = await ctx.backend.rules();
  const planned = all.flatMap((rule) => rule.nextPlanned.slice(0, 10).map((plan) => plan.customerId));
  const found = await ctx.zones.lookup(planned);
  const body = rulesPage({
    issues: ctx.backend.ruleIssues(),
    rules: all,
    now: ctx.backend.clock().now,
    zones: found,
    active: await ctx.backend.activeRuleSet?.(),
  });
  return page(ctx, 200, 'Rules', '/rules', body);
}

async function tryIt(ctx: RouteContext): Promise<Response> {
  const view = await tryView(
    ctx.backend,
    { replied: ctx.url.searchParams.get('replied') === '1' },
    ctx.url.searchParams.get('sample'),
  );
  return page(ctx, 200, 'Try it', '/try', tryPage(view));
}

async function tryEvents(ctx: RouteContext): Promise<Response> {
  const form = await readForm(ctx.req);
  const text = form.get('event') ?? '';
  const fail = async (status: number, problem: string): Promise<Response> => {
    const view = await tryView(ctx.backend, { eventText: text, eventError: problem }, form.get('sample'));
    return page(ctx, status, 'Try it', '/try', tryPage(view));
  };
  let events: Record<string, unknown>[];
  try {
    events = eventsFrom(parseJson(text, 'the event'));
  } catch (error) {
    if (error instanceof ConsoleHttpError) return fail(error.status, error.message);
    throw error;
  }
  const results = await sendEvents(ctx.backend, events);
  const failed = results.flatMap((result, index) =>
    result.ok ? [] : [`event ${index + 1}: ${result.error}`],
  );
  const sent = results.flatMap((result, index) =>
    result.ok ? [{ eventId: result.eventId, customerId: customerOf(events[index]) }] : [],
  );
  if (failed.length > 0) {
    const also = sent.length > 0 ? ` (sent: ${sent.map((item) => item.eventId).join(', ')})` : '';
    return fail(422, `Rejected — ${failed.join('; ')}${also}`);
  }
  const query = new URLSearchParams();
  for (const item of sent) {
    query.append('event', item.eventId);
    query.append('customer', item.customerId ?? '');
  }
  return redirect(`/try/report?${query.toString()}`);
}

/** `?event=&customer=` pairs (as the send redirect writes them), each read back from the timeline. */
async function tryReportView(ctx: RouteContext): Promise<Response> {
  const events = ctx.url.searchParams.getAll('event').slice(0, MAX_EVENTS_PER_POST);
  const customers = ctx.url.searchParams.getAll('customer');
  const reports = await Promise.all(
    events.map((eventId, index) => tryReport(ctx.backend, eventId, customers[index] || undefined)),
  );
  // The customer id came from the event, which may be an address: masked like the backend's data.
  return page(ctx, 200, 'Try it: report', '/try', tryReportPage(maskedFor(ctx.backend, reports)));
}

async function tryReply(ctx: RouteContext): Promise<Response> {
  const form = await readForm(ctx.req);
  const from = (form.get('from') ?? '').trim();
  const body = (form.get('quick') ?? form.get('body') ?? '').trim();
  const problem = replyProblem(from, body);
  const result = problem === undefined ? await ctx.backend.replyAsCustomer({ from, body }) : undefined;
  if (result?.ok === true) return redirect('/try?replied=1');
  const shown = problem ?? (result?.ok === false ? result.error : 'reply failed');
  const view = await tryView(ctx.backend, { reply: { from, body }, replyError: shown });
  return page(ctx, problem === undefined ? 422 : 400, 'Try it', '/try', tryPage(view));
}

/** The "Try it" page's data: samples, the last captured and rejected, the reply form's defaults. */
async function tryView(
  backend: ConsoleBackend,
  overrides: Partial<TryView>,
  selectedParam?: string | null,
): Promise<TryView> {
  const [captured, rejected] = await Promise.all([backend.captured(50), backend.rejected(20)]);
  const samples = backend.samples();
  const wanted = Number(selectedParam ?? '0');
  const selected = Number.isInteger(wanted) && wanted >= 0 && wanted < samples.length ? wanted : 0;
  const lastSms = captured.find((item) => item.channel === 'sms');
  const note = backend.capturedNote?.();
  // Overrides echo the request's own input (an event, a reply's number): masked like the rest.
  return maskedFor(backend, {
    samples,
    selected,
    reply: { from: lastSms?.to ?? '', body: '' },
    captured,
    ...(note === undefined ? {} : { capturedNote: note }),
    rejected,
    ...overrides,
  });
}

/** A rule's goal and avoid lift, all days (the same numbers as `GET /api/rules/:id/effect`). */
async function ruleEffect(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const effect = await ctx.backend.ruleEffect(id, { from: '0000-01-01', to: '9999-12-31' });
  if (effect === undefined) return errorPage(ctx, 404, 'Rule not found', `No rule with id ${id}.`);
  // The console's rule list does not say which kinds a rule has: a kind with no decisions is left out.
  const kinds = (['goal', 'avoid'] as const).filter(
    (kind) => effect[kind].sent.decisions + effect[kind].heldOut.decisions > 0,
  );
  return page(ctx, 200, `Effect of ${id}`, '/rules', ruleEffectPage(effect, kinds));
}
