import { verifyScoreToken } from '../adapters/links/score-link.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { Clock, OutcomePublisher } from '../app/ports.ts';
import { recordLinkAnswer } from '../app/record-survey-answer.ts';
import { escapeHtml } from '../core/messages/text-to-html.ts';
import type { ReplyRule } from '../core/replies/reply-attribution.ts';
import { unsubscribePageHeaders } from './unsubscribe-page.ts';

/** The slice of the webhook's request and deps the score route reads. */
interface ScoreRequest {
  method: string;
  query: string;
}
interface ScoreDeps extends Pick<Stores, 'messages' | 'inboundReplies'> {
  outcomes: OutcomePublisher;
  clock: Clock;
  /** The key of the one-click links (unsubscribe and score links, each under its own purpose). */
  unsubscribeSigningKey?: string;
  replyRules?: ReadonlyMap<string, ReplyRule>;
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}
type Response = { status: number; headers: Record<string, string>; body: string };

/**
 * `/survey?t=<signed token>`, a one-click score link in a survey email.
 *
 * GET (and HEAD) shows the score with a confirm button and records nothing: mail scanners and
 * link previews fetch every URL in a message. POST (the button) records the answer once per
 * message; a later POST answers "already recorded". A malformed token is answered 400, a forged,
 * expired or unsubscribe token 403, a link to an unknown message 404, and nothing is written.
 */
export async function scoreRoute(request: ScoreRequest, deps: ScoreDeps): Promise<Response> {
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
  const tokens = new URLSearchParams(request.query).getAll('t');
  const token = tokens.length === 1 ? tokens[0] : undefined;
  const now = deps.clock.now();
  const check = verifyScoreToken(token, {
    key: deps.unsubscribeSigningKey,
    nowEpochSeconds: Math.floor(now.toSeconds()),
  });
  const page = (status: number, title: string, body: string): Response => ({
    status,
    headers: unsubscribePageHeaders(),
    body: request.method === 'HEAD' ? '' : scorePage(title, body),
  });
  if (!check.ok) {
    deps.log?.('warn', 'score link refused', { why: check.why, method: request.method });
    const text = check.why === 'expired' ? 'This link has expired.' : 'This link is not valid.';
    return page(check.why === 'malformed' ? 400 : 403, 'Link not valid', `<p>${text}</p>`);
  }
  const { score, messageId } = check.claims;
  if (isRead) {
    // The form posts back to this very URL (the token is in the query).
    const action = `?t=${escapeHtml(encodeURIComponent(token ?? ''))}`;
    return page(
      200,
      'Your answer',
      `<p>You are giving the score ${score} of 5.</p>\n<form method="post" action="${action}"><button type="submit">Send ${score} of 5</button></form>`,
    );
  }
  const result = await recordLinkAnswer(
    { address: check.claims.address, messageId, score, at: now.toUTC().toISO() ?? '' },
    deps,
  );
  deps.log?.('info', 'survey link answer', { messageId, result });
  if (result === 'unknown-message')
    return page(404, 'Link not valid', '<p>This survey is no longer open.</p>');
  return result === 'recorded'
    ? page(200, 'Thank you', `<p>Your score ${score} of 5 is recorded.</p>`)
    : page(200, 'Already answered', '<p>Your answer to this survey was already recorded. Thank you.</p>');
}

function scorePage(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>`,
    '',
  ].join('\n');
}
