import { AsyncLocalStorage } from 'node:async_hooks';
// The SDK's own modules, imported one by one instead of `import twilio from 'twilio'`: the
// package entry loads every Twilio product (3.2 MB minified, most of the send function's cold
// start), while Nudge calls one resource. The path `twilio(sid, token).messages` takes lazily
// (base client → `Api` domain → `v2010.account.messages`) is taken here with the same classes, so
// requests, auth, region/edge, retries and errors are the SDK's own.
import BaseTwilio from 'twilio/lib/base/BaseTwilio.js';
import RequestClient from 'twilio/lib/base/RequestClient.js';
import Api from 'twilio/lib/rest/Api.js';
import type { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message.js';

/**
 * The part of the real `twilio` SDK client Nudge uses: `messages`, the Programmable Messaging
 * resource (`create`, `list`, `messages(sid).fetch()`), exactly as `twilio(sid, token).messages`.
 */
export interface TwilioClient {
  readonly messages: MessageListInstance;
}

/** Configuration of {@link createTwilioClient}. */
export interface TwilioClientConfig {
  readonly accountSid: string;
  readonly authToken: string;
  /**
   * Send every request here instead of `https://api.twilio.com` (path and query are kept; a path
   * prefix on the base is kept too). For the loopback sandbox, e.g. `http://127.0.0.1:49152`.
   */
  readonly apiBaseUrl?: string;
  /** Request timeout in milliseconds (the SDK's default is 30 000). */
  readonly timeoutMs?: number;
  /**
   * Let the SDK retry 429 answers itself with exponential backoff (off by default: Nudge decides
   * about retries from the status and `Retry-After`).
   */
  readonly autoRetry?: boolean;
  /** Upper bound for the SDK's own 429 retries when `autoRetry` is on (SDK default 3). */
  readonly maxRetries?: number;
}

/** Status and headers of one HTTP answer from the Twilio API. */
export interface TwilioHttpResponse {
  readonly statusCode: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What {@link observeTwilioCall} returns. */
export interface ObservedTwilioCall<T> {
  /** How the SDK call settled: its value, or the error it threw (e.g. a `RestException`). */
  readonly result: PromiseSettledResult<T>;
  /** The last HTTP answer received during the call, or undefined if none came (timeout, reset). */
  readonly response: TwilioHttpResponse | undefined;
}

// The SDK's RestException keeps status, code and message but drops the headers, so a 429's
// Retry-After would be lost. Each call observed through observeTwilioCall gets its own store,
// which keeps concurrent calls apart (unlike the SDK's shared `lastResponse`).
const responseScope = new AsyncLocalStorage<TwilioHttpResponse[]>();

/**
 * The SDK's supported extension point for transport (`ClientOpts.httpClient`): a `RequestClient`
 * that rebases every request URI onto `apiBaseUrl` and records answers for
 * {@link observeTwilioCall}. Everything else (auth, form encoding, timeouts, 429 retries) is the
 * SDK's own.
 */
class NudgeTwilioRequestClient extends RequestClient {
  readonly #base: URL | undefined;

  constructor(base: URL | undefined, options: RequestClient.RequestClientOptions) {
    super(options);
    this.#base = base;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.#base === undefined ? opts.uri : rebase(opts.uri, this.#base);
    const response = await super.request({ ...opts, uri });
    responseScope
      .getStore()
      ?.push({ statusCode: response.statusCode, headers: plainHeaders(response.headers) });
    return response;
  }
}

/**
 * Build the real `twilio` messaging client: the SDK's base client (auth, region/edge, user agent,
 * its `RequestClient`) with the SDK's `Api` domain on it, and `messages` taken from it exactly as
 * `twilio(sid, token).messages` does (`api.v2010.account.messages`), without loading the other
 * Twilio products. With `apiBaseUrl`, requests go to that base (e.g. the
 * loopback sandbox) instead of `https://api.twilio.com`, through the SDK's `httpClient` option;
 * no global is patched.
 */
export function createTwilioClient(config: TwilioClientConfig): TwilioClient {
  let base: URL | undefined;
  if (config.apiBaseUrl !== undefined) {
    base = new URL(config.apiBaseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`apiBaseUrl must be an http(s) URL, got ${base.protocol}`);
    }
  }
  const httpClient = new NudgeTwilioRequestClient(base, {
    ...(config.timeoutMs === undefined ? {} : { timeout: config.timeoutMs }),
    ...(config.autoRetry === undefined ? {} : { autoRetry: config.autoRetry }),
    ...(config.maxRetries === undefined ? {} : { maxRetries: config.maxRetries }),
  });
  const client = new BaseTwilio.Client(config.accountSid, config.authToken, { httpClient });
  return { messages: new Api(client).v2010.account.messages };
}

/**
 * Run one SDK call made with a client from {@link createTwilioClient} and report, next to its
 * outcome, the HTTP answer it got — so a caller can read `Retry-After` from a 429 that the SDK
 * turned into a `RestException`. Safe with concurrent calls.
 */
export async function observeTwilioCall<T>(call: () => Promise<T>): Promise<ObservedTwilioCall<T>> {
  const responses: TwilioHttpResponse[] = [];
  const [result] = await responseScope.run(responses, () =>
    Promise.allSettled([Promise.resolve().then(call)]),
  );
  return { result, response: responses.at(-1) };
}

/**
 * Seconds to wait according to a `Retry-After` header (delta-seconds or HTTP-date), or undefined
 * when absent or unreadable.
 */
export function retryAfterSeconds(response: TwilioHttpResponse | undefined, now: Date): number | undefined {
  const value = response?.headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

function rebase(uri: string, base: URL): string {
  const original = new URL(uri);
  const target = new URL(base.href);
  target.pathname = base.pathname.replace(/\/+$/, '') + original.pathname;
  target.search = original.search;
  return target.href;
}

function plainHeaders(headers: unknown): Record<string, string> {
  const plain: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return plain;
  // axios hands back an AxiosHeaders instance whose headers are own enumerable properties.
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') plain[name.toLowerCase()] = value;
    else if (typeof value === 'number') plain[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) plain[name.toLowerCase()] = value.map(String).join(', ');
  }
  return plain;
}
