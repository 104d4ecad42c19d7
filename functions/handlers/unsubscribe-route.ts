import { verifyUnsubscribeToken } from '../adapters/links/unsubscribe-link.ts';
import { oneClickUnsubscribe } from '../app/one-click-unsubscribe.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { Clock, OutcomePublisher } from '../app/ports.ts';
import { pageLanguage, renderUnsubscribePage, unsubscribePageHeaders } from './unsubscribe-page.ts';

/** The slice of the webhook's request and deps the unsubscribe route reads. */
interface UnsubscribeRequest {
  method: string;
  query: string;
  headers: Readonly<Record<string, string | undefined>>;
}
interface UnsubscribeDeps extends Pick<Stores, 'messages' | 'profiles' | 'suppressions'> {
  outcomes: OutcomePublisher;
  clock: Clock;
  unsubscribeSigningKey?: string;
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * `/unsubscribe?t=<signed token>`, the one-click link of RFC 8058 in every email.
 *
 * GET (and HEAD) only shows a page with a button and changes nothing: mail scanners and link
 * previews fetch every URL in a message. POST — the mail client's one-click request (body
 * `List-Unsubscribe=One-Click`) or the page's button — suppresses the address. The token is the
 * only credential: no cookie, no login, no redirect, as RFC 8058 requires; the body is not
 * needed to decide. A malformed token is answered 400, a forged or expired one 403, both with a
 * page saying the link is not valid, and nothing is read or written.
 */
export async function unsubscribeRoute(
  request: UnsubscribeRequest,
  deps: UnsubscribeDeps,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  if (!isRead && request.method !== 'POST') {
    return {
      status: 405,
      headers: { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD, POST' },
      body: 'method not allowed',
    };
  }
  if (deps.unsubscribeSigningKey === undefined) {
    return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found' };
  }
  // Exactly one `t`: a query naming two tokens is ambiguous (another reader may take the other).
  const tokens = new URLSearchParams(request.query).getAll('t');
  const token = tokens.length === 1 ? tokens[0] : undefined;
  const check = verifyUnsubscribeToken(token, {
    key: deps.unsubscribeSigningKey,
    nowEpochSeconds: Math.floor(deps.clock.now().toSeconds()),
  });
  const page = (status: number, html: string) => ({
    status,
    headers: unsubscribePageHeaders(),
    body: request.method === 'HEAD' ? '' : html,
  });
  if (!check.ok) {
    deps.log?.('warn', 'unsubscribe refused', { why: check.why, method: request.method });
    const language = pageLanguage(undefined, request.headers['accept-language']);
    return page(
      check.why === 'malformed' ? 400 : 403,
      renderUnsubscribePage({ kind: 'invalid', why: check.why }, language),
    );
  }
  const { claims } = check;
  const language = pageLanguage(claims.locale, request.headers['accept-language']);
  if (isRead) {
    return page(
      200,
      renderUnsubscribePage({ kind: 'confirm', address: claims.address, token: token ?? '' }, language),
    );
  }
  const result = await oneClickUnsubscribe(
    {
      address: claims.address,
      messageId: claims.messageId,
      ...(claims.customerId === undefined ? {} : { customerId: claims.customerId }),
      at: deps.clock.now().toUTC().toISO() ?? '',
    },
    deps,
  );
  // The message id says which link was used; the address is personal data and stays out.
  deps.log?.('info', 'one-click unsubscribe', { messageId: claims.messageId, ...result });
  return page(200, renderUnsubscribePage({ kind: 'done', address: claims.address }, language));
}
