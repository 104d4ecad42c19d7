/**
 * Pending sends and cancel by hand (thin: parse the input, call the backend, answer JSON or a
 * pure render function's HTML): `GET /api/pending`, `POST /api/messages/:id/cancel`, the
 * `/pending` page and its cancel form.
 */
import { DateTime } from 'luxon';
import { isoOf } from '../../app/iso-time.ts';
import type { CancelResult } from '../../app/pending-sends.ts';
import type { ConsoleBackend } from '../console-backend.ts';
import { ConsoleHttpError, isJsonType, jsonResponse, redirect, requireMediaType } from '../http-io.ts';
import { type PendingFilter, pendingPage } from '../pages/pending-page.ts';
import { errorPage, page } from './page-view.ts';
import { cursorParam, limitParam, readForm } from './request-input.ts';
import type { Route, RouteContext } from './route.ts';

const PAGE_SIZE = 25;
const MAX_ID_LENGTH = 256;

/** Under `/api/`. */
export const PENDING_API_ROUTES: readonly Route[] = [
  { path: '/api/pending', role: 'viewer', methods: { GET: listPending } },
  // A write: cancelling a scheduled message is an editor's call, like sending a test event.
  { path: '/api/messages/:id/cancel', role: 'editor', methods: { POST: cancelApi } },
];

/** Pages. */
export const PENDING_PAGE_ROUTES: readonly Route[] = [
  { path: '/pending', role: 'viewer', methods: { GET: pendingView } },
  { path: '/messages/:id/cancel', role: 'editor', methods: { POST: cancelForm } },
];

/** The filter from the query string: each field checked, a 400 when one is malformed. */
function filterOf(url: URL): PendingFilter {
  const text = (name: string): string | undefined => {
    const raw = url.searchParams.get(name)?.trim();
    if (raw === undefined || raw === '') return undefined;
    if (raw.length > MAX_ID_LENGTH)
      throw new ConsoleHttpError(400, `invalid-${name}`, `${name} longer than ${MAX_ID_LENGTH} characters`);
    return raw;
  };
  const instant = (name: 'from' | 'to'): string | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    // A time without a zone (the form's datetime-local) is UTC, as the page says.
    const time = DateTime.fromISO(raw, { zone: 'utc' });
    if (!time.isValid)
      throw new ConsoleHttpError(400, `invalid-${name}`, `${name} is not an ISO time: ${raw}`);
    return isoOf(time);
  };
  const rule = text('rule');
  const customer = text('customer');
  const from = instant('from');
  const to = instant('to');
  return {
    ...(rule === undefined ? {} : { rule }),
    ...(customer === undefined ? {} : { customer }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

async function query(backend: ConsoleBackend, url: URL, fallbackLimit: number) {
  const filter = filterOf(url);
  const limit = limitParam(url, fallbackLimit, 200);
  const cursor = cursorParam(url);
  const result = await backend.pendingSends({
    ...filter,
    limit,
    ...(cursor === undefined ? {} : { cursor }),
  });
  return { filter, cursor, result };
}

async function listPending({ backend, url }: RouteContext): Promise<Response> {
  const { result } = await query(backend, url, 50);
  return jsonResponse(200, {
    items: result.items,
    ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
  });
}

/** The HTTP answer of a cancel: 200 with the summary, 404, or 409 with the status it is in. */
function cancelAnswer(result: CancelResult): { status: number; body: unknown } {
  switch (result.kind) {
    case 'cancelled':
      return { status: 200, body: result.summary };
    case 'not-found':
      return {
        status: 404,
        body: { error: { code: 'not-found', message: `no message with id ${result.messageId}` } },
      };
    case 'not-scheduled':
      return {
        status: 409,
        body: {
          error: {
            code: 'not-scheduled',
            message: `message ${result.messageId} is ${result.status}: only a scheduled message can be cancelled`,
          },
          status: result.status,
        },
      };
  }
}

async function cancelApi({ backend, req, params }: RouteContext): Promise<Response> {
  // A JSON request (body optional): a cross-site form cannot send one without a CORS preflight.
  requireMediaType(req, isJsonType, 'application/json');
  const answer = cancelAnswer(await backend.cancelMessage(params.id ?? ''));
  return jsonResponse(answer.status, answer.body);
}

async function pendingView(ctx: RouteContext): Promise<Response> {
  const { filter, cursor, result } = await query(ctx.backend, ctx.url, PAGE_SIZE);
  const zones = await ctx.zones.lookup(result.items.map((item) => item.customerId));
  const rules = (await ctx.backend.rules()).map((rule) => rule.id);
  const cancelled = ctx.url.searchParams.get('cancelled') ?? undefined;
  const body = pendingPage({
    items: result.items,
    filter,
    rules,
    zones,
    now: ctx.backend.clock().now,
    ...(cursor === undefined ? {} : { cursor }),
    ...(result.cursor === undefined ? {} : { nextCursor: result.cursor }),
    ...(cancelled === undefined ? {} : { cancelled }),
    mayCancel: ctx.may?.('editor') ?? true,
  });
  return page(ctx, 200, 'Pending sends', '/pending', body);
}

async function cancelForm(ctx: RouteContext): Promise<Response> {
  await readForm(ctx.req);
  const id = ctx.params.id ?? '';
  const answer = cancelAnswer(await ctx.backend.cancelMessage(id));
  if (answer.status !== 200) {
    const message =
      answer.status === 404
        ? `No message with id ${id}.`
        : `Message ${id} is no longer scheduled: not cancelled.`;
    return errorPage(ctx, answer.status, 'Not cancelled', message);
  }
  return redirect(`/pending?cancelled=${encodeURIComponent(id)}`);
}
