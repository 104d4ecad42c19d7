import type { ConsoleBackend } from '../console-backend.ts';
import { ConsoleHttpError, parseJson, redirect } from '../http-io.ts';
import { customerPage, customersPage } from '../pages/customer-pages.ts';
import { messagePage } from '../pages/message-page.ts';
import { outboxPage, zoneOf } from '../pages/outbox-page.ts';
import { ruleEffectPage } from '../pages/rule-effect-page.ts';
import { rulesPage } from '../pages/rules-page.ts';
import { type TryView, tryPage } from '../pages/try-page.ts';
import { errorPage, page } from './page-view.ts';
import {
  cursorParam,
  eventsFrom,
  MAX_EVENTS_PER_POST,
  readForm,
  replyProblem,
  sendEvents,
} from './request-input.ts';
import type { Route, RouteContext } from './route.ts';

const OUTBOX_PAGE_SIZE = 25;

/** The console's server-rendered pages: one line per route. */
export const PAGE_ROUTES: readonly Route[] = [
  { path: '/', role: 'viewer', methods: { GET: outbox } },
  { path: '/messages/:id', role: 'viewer', methods: { GET: message } },
  { path: '/customers', role: 'viewer', methods: { GET: customers } },
  { path: '/customers/:id', role: 'viewer', methods: { GET: customer } },
  { path: '/rules', role: 'viewer', methods: { GET: rules } },
  { path: '/rules/:id/effect', role: 'viewer', methods: { GET: ruleEffect } },
  { path: '/try', role: 'viewer', methods: { GET: tryIt } },
  { path: '/try/events', role: 'editor', methods: { POST: tryEvents } },
  { path: '/try/replies', role: 'editor', methods: { POST: tryReply } },
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
  return page(ctx, 200, `Message ${id}`, 'none', messagePage(record, zoneOf(record, found)));
}

async function customers(ctx: RouteContext): Promise<Response> {
  const all = await ctx.backend.customers();
  const found = await ctx.zones.lookup(all.slice(0, 200).map((item) => item.id));
  return page(ctx, 200, 'Customers', '/customers', customersPage(all, found));
}

async function customer(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const [found, suppressions] = await Promise.all([
    ctx.backend.customer(id),
    ctx.backend.customerSuppressions(id),
  ]);
  if (found === undefined) return errorPage(ctx, 404, 'Customer not found', `No customer with id ${id}.`);
  ctx.zones.remember(id, found.profile?.timeZone);
  const body = customerPage({ customerId: id, ...found, suppressions: suppressions ?? [] });
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
  const sent = results.flatMap((result) => (result.ok ? [result.eventId] : []));
  if (failed.length > 0) {
    const also = sent.length > 0 ? ` (sent: ${sent.join(', ')})` : '';
    return fail(422, `Rejected — ${failed.join('; ')}${also}`);
  }
  return redirect(`/?${sent.map((id) => `sent=${encodeURIComponent(id)}`).join('&')}`);
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
  return {
    samples,
    selected,
    reply: { from: lastSms?.to ?? '', body: '' },
    captured,
    ...(note === undefined ? {} : { capturedNote: note }),
    rejected,
    ...overrides,
  };
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
