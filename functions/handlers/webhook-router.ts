import { SCORE_PATH } from '../adapters/links/score-link.ts';
import { UNSUBSCRIBE_PATH } from '../adapters/links/unsubscribe-link.ts';
import { parseSendGridEvents } from '../adapters/sendgrid/sendgrid-events.ts';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  verifySendGridSignature,
} from '../adapters/sendgrid/sendgrid-signature.ts';
import { withConnectionOverrides } from '../adapters/twilio/twilio-connection-overrides.ts';
import { verifyTwilioSignature } from '../adapters/twilio/twilio-signature.ts';
import { parseTwilioInbound, parseTwilioStatusCallback } from '../adapters/twilio/twilio-webhook.ts';
import { handleInboundReply } from '../app/handle-inbound-reply.ts';
import { type Metrics, noMetrics } from '../app/ports/metrics.ts';
import type { InboundReply } from '../app/ports/replies.ts';
import type { Stores } from '../app/ports/stores.ts';
import type { Clock, OutcomePublisher } from '../app/ports.ts';
import { recordEmailOptOut } from '../app/record-email-opt-out.ts';
import { type ProviderStatusReport, recordProviderStatus } from '../app/record-provider-status.ts';
import type { KeywordTable } from '../core/replies/inbound-keywords.ts';
import type { RepliesSettings } from '../core/replies/replies-settings.ts';
import { DEFAULT_REPLIES, replyAnswer } from '../core/replies/reply-answers.ts';
import type { ReplyRule } from '../core/replies/reply-attribution.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import { scoreRoute } from './score-route.ts';
import { unsubscribeRoute } from './unsubscribe-route.ts';

/** An HTTP request as both front doors (Lambda Function URL, local runtime) see it. */
export interface WebhookRequest {
  method: string;
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: string;
}

/** An HTTP answer. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the webhook needs; built once per process. */
export interface WebhookDeps
  extends Pick<Stores, 'messages' | 'profiles' | 'caps' | 'inboundReplies' | 'suppressions'> {
  // suppressions: STOP, unsubscribe, spam report and hard bounce write them.
  /** Country for phone numbers stored without a country code (settings.defaults.country). */
  defaultCountry?: string;
  outcomes: OutcomePublisher;
  keywords: KeywordTable;
  /** The rules that ask a question (`replies:`): replies are attributed to their messages. */
  replyRules?: ReadonlyMap<string, ReplyRule>;
  clock: Clock;
  twilioAuthToken: string;
  sendgridPublicKey: string;
  /**
   * Signs and checks the one-click unsubscribe links (functions/adapters/links/unsubscribe-link.ts).
   * Without it `/unsubscribe` answers 404.
   */
  unsubscribeSigningKey?: string;
  /**
   * The public base URL providers call (`https://abc.lambda-url.eu-north-1.on.aws`). Twilio signs
   * the exact URL it called, so it must be the public one; without it the Host header is used.
   */
  publicBaseUrl?: string;
  /** How HELP, STOP and START are answered (`replies` in nudge.config.yaml); default: the shipped answers. */
  replies?: RepliesSettings;
  /** `defaults.locale`: the answer's locale when neither the customer's nor the number's country tells. */
  defaultLocale?: string;
  /** Counts refusals (WebhookRefused by reason) and delivery reports (MessagesDelivered, MessagesFailed). */
  metrics?: Metrics;
  /** Logs a refusal or a problem; never given secrets or personal data. */
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Bodies above this are refused (413) before any parsing or verification work. SendGrid posts
 * its events in batches that exceed 256 KB under load; 1 MiB leaves them room and stays well
 * inside the Lambda Function URL's 6 MB payload limit (BUFFERED invoke mode), even base64-encoded.
 * The local webhook server reads up to this many bytes too (local/runtime/webhook-http-server.ts).
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const EMPTY_TWIML = `${XML_DECLARATION}<Response></Response>`;

/**
 * Routes provider webhooks: verifies the signature first and answers 403 with no state change
 * when it is missing, wrong or stale; then records delivery reports, replies and opt-outs
 * through the use cases. Replays are absorbed by the store (each provider event is applied once).
 */
export function createWebhookRouter(
  deps: WebhookDeps,
): (request: WebhookRequest) => Promise<WebhookResponse> {
  return async (request) => {
    if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_WEBHOOK_BODY_BYTES) {
      (deps.metrics ?? noMetrics).add('WebhookRefused', { reason: 'payload-too-large' });
      return text(413, 'payload too large');
    }
    const path = request.path.replace(/\/+$/, '');
    // The one route a browser opens (GET shows a page, POST unsubscribes); the others are POST only.
    if (path === UNSUBSCRIBE_PATH) return unsubscribeRoute(request, deps);
    if (path === SCORE_PATH) return scoreRoute(request, deps);
    if (request.method !== 'POST') return text(405, 'method not allowed');
    switch (path) {
      case '/webhooks/twilio/status':
        return twilioStatus(request, deps);
      case '/webhooks/twilio/inbound':
        return twilioInbound(request, deps);
      case '/webhooks/sendgrid/events':
        return sendgridEvents(request, deps);
      default:
        return text(404, 'not found');
    }
  };
}

function formParams(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody));
}

// A DNS name or IPv4 address, or a bracketed IPv6 literal, with an optional port: nothing else
// may stand for the host in the URL we verify (a malformed one is a refusal, not a crash).
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function twilioVerified(request: WebhookRequest, deps: WebhookDeps, params: Record<string, string>): boolean {
  // The Lambda front door puts the Function URL's own domain (requestContext.domainName) in
  // `host`, never the caller's Host header (function-url-request.ts).
  const host = request.headers.host ?? '';
  if (deps.publicBaseUrl === undefined && !HOST.test(host)) return false;
  const base = deps.publicBaseUrl ?? `https://${host}`;
  const url = `${base.replace(/\/+$/, '')}${request.path}${request.query === '' ? '' : `?${request.query}`}`;
  // Status callbacks carry Twilio's connection-override fragment; the fragment never reaches us,
  // so the signature may be over the URL with or without it: both are the URL we gave Twilio.
  const candidates =
    request.path.replace(/\/+$/, '') === '/webhooks/twilio/status'
      ? [url, withConnectionOverrides(url)]
      : [url];
  return candidates.some((candidate) => {
    try {
      return verifyTwilioSignature({
        authToken: deps.twilioAuthToken,
        signature: request.headers['x-twilio-signature'],
        url: candidate,
        params,
      });
    } catch {
      return false; // a URL the WHATWG parser refuses was not signed by Twilio
    }
  });
}

async function twilioStatus(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const params = formParams(request.rawBody);
  if (!twilioVerified(request, deps, params)) return refuse(deps, 'twilio status: bad signature');
  const messageId = new URLSearchParams(request.query).get('messageId') ?? undefined;
  const parsed = parseTwilioStatusCallback(params, messageId, now(deps));
  if (!parsed.ok) {
    (deps.metrics ?? noMetrics).add('WebhookRefused', { reason: 'malformed' });
    deps.log?.('warn', 'twilio status callback not understood', { reason: parsed.reason });
    return text(400, parsed.reason);
  }
  if (parsed.report === 'ignore') return text(200, 'ok');
  const result = await recordStatus(parsed.report, 'sms', deps);
  deps.log?.('info', 'twilio status', {
    messageId: parsed.report.messageId,
    status: parsed.report.status,
    result,
  });
  return text(200, result);
}

/**
 * An inbound SMS: handled by the use case, then answered in the response's TwiML — the way Twilio
 * documents replying to an incoming message (a `<Message>` verb) — with the HELP program message
 * or the STOP/START confirmation. Only the first delivery of a reply is answered: Twilio's retry
 * or a replay of one handled already gets empty TwiML, so a confirmation goes out once.
 */
async function twilioInbound(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const params = formParams(request.rawBody);
  if (!twilioVerified(request, deps, params)) return refuse(deps, 'twilio inbound: bad signature');
  const parsed = parseTwilioInbound(params, now(deps));
  if (!parsed.ok) {
    (deps.metrics ?? noMetrics).add('WebhookRefused', { reason: 'malformed' });
    return text(400, parsed.reason);
  }
  const { reply, isNew } = await handleInboundReply(parsed.sms, deps);
  const answer = isNew ? await answerTo(reply, deps) : undefined;
  deps.log?.('info', 'inbound reply', {
    replyId: reply.replyId,
    intent: reply.intent ?? null,
    messageId: reply.messageId ?? null,
    answered: answer === undefined ? null : `${answer.intent} (${answer.locale})`,
  });
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: twimlReplying(answer?.text) };
}

/** The answer to a new reply, in the correlated customer's locale when their profile names one. */
async function answerTo(reply: InboundReply, deps: WebhookDeps) {
  const settings = deps.replies ?? DEFAULT_REPLIES;
  const context = { from: reply.from, defaultLocale: deps.defaultLocale ?? 'en' };
  // Most replies are not answered: read the profile only for those that are.
  if (replyAnswer(reply.intent, context, settings) === undefined) return undefined;
  let customerLocale: string | undefined;
  try {
    if (reply.customerId !== undefined)
      customerLocale = (await deps.profiles.getProfile(reply.customerId))?.locale;
  } catch (error) {
    // The reply is recorded: failing now would make Twilio retry, and the retry is not answered.
    // An answer in the number's language is better than none.
    deps.log?.('warn', 'customer locale not read; answering in the number’s language', {
      replyId: reply.replyId,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
  return replyAnswer(
    reply.intent,
    customerLocale === undefined ? context : { ...context, customerLocale },
    settings,
  );
}

/** TwiML with one `<Message>` replying to the sender, or none. */
function twimlReplying(message: string | undefined): string {
  return message === undefined
    ? EMPTY_TWIML
    : `${XML_DECLARATION}<Response><Message>${xmlText(message)}</Message></Response>`;
}

/** Escapes text for an XML element: `&`, `<`, `>` (so `]]>` too) and CR, which XML would turn into LF. */
function xmlText(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#xD;');
}

async function sendgridEvents(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const verified = await verifySendGridSignature({
    publicKey: deps.sendgridPublicKey,
    signature: request.headers[SENDGRID_SIGNATURE_HEADER],
    timestamp: request.headers[SENDGRID_TIMESTAMP_HEADER],
    rawBody: request.rawBody,
    nowEpochSeconds: Math.floor(deps.clock.now().toSeconds()),
  });
  if (!verified.ok) return refuse(deps, `sendgrid events: ${verified.why} signature`);
  const { actions, problems } = parseSendGridEvents(request.rawBody);
  for (const problem of problems) deps.log?.('warn', 'sendgrid event skipped', { problem });
  const results: string[] = [];
  for (const action of actions) {
    if (action.kind === 'status') results.push(await recordStatus(action.report, 'email', deps));
    else if (action.kind === 'opt-out') results.push(await recordEmailOptOut(action, deps));
    else results.push('ignored');
  }
  // 200 even when some entries were skipped: SendGrid would otherwise retry the whole batch for
  // 24 hours, and the good entries were recorded (the bad ones are logged with their reason).
  return text(200, results.join(','));
}

/**
 * Records a delivery report and counts what it applied: MessagesDelivered by channel, or
 * MessagesFailed with reason `provider-report` (undelivered, bounced, failed). A duplicate,
 * stale or unknown report counts nothing.
 */
async function recordStatus(
  report: ProviderStatusReport,
  channel: Channel,
  deps: WebhookDeps,
): Promise<string> {
  const result = await recordProviderStatus(report, deps);
  if (result !== 'applied') return result;
  const metrics = deps.metrics ?? noMetrics;
  if (report.status === 'delivered') metrics.add('MessagesDelivered', { channel });
  if (['undelivered', 'bounced', 'failed'].includes(report.status))
    metrics.add('MessagesFailed', { reason: 'provider-report' });
  return result;
}

function refuse(deps: WebhookDeps, why: string): WebhookResponse {
  (deps.metrics ?? noMetrics).add('WebhookRefused', { reason: 'bad-signature' });
  deps.log?.('warn', 'webhook refused', { why });
  return text(403, 'forbidden');
}

function now(deps: WebhookDeps): string {
  return deps.clock.now().toUTC().toISO() ?? '';
}

function text(status: number, body: string): WebhookResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
