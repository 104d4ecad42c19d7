import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One webhook delivery a sandbox made (or tried to make), with what the receiver answered. */
export interface WebhookAttempt {
  /** 1-based, in the order the attempts started. */
  readonly id: number;
  /** What the webhook is: `status` and `inbound` (Twilio), `event` (SendGrid). */
  readonly kind: string;
  /** The message it is about: a Twilio `SM…` sid or a SendGrid `X-Message-Id`. */
  readonly subject: string;
  readonly url: string;
  /** Request headers exactly as sent (signature headers included). */
  readonly headers: Readonly<Record<string, string>>;
  /** Raw request body exactly as sent. */
  readonly body: string;
  readonly sentAt: Date;
  /** The attempt this one re-sent verbatim, or null for an original delivery. */
  readonly replayOf: number | null;
  /** The receiver's HTTP status, or null when no answer came (see `error`). */
  readonly responseStatus: number | null;
  /** The receiver's answer body (first 64 KiB), or null without an answer. */
  readonly responseBody: string | null;
  /** Why no answer came (refused connection, timeout, sandbox stopped), `in flight` while waiting, or null. */
  readonly error: string | null;
  /** True when the receiver answered 2xx. */
  readonly accepted: boolean;
  readonly completedAt: Date | null;
}

/** What a sandbox asks the dispatcher to deliver. */
export interface WebhookRequest {
  readonly kind: string;
  readonly subject: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const RESPONSE_BODY_LIMIT = 64 * 1024;

/**
 * Posts webhooks for a sandbox, records every attempt and the answer it got, and lets a test wait
 * until nothing is in flight. Connections are never kept alive, so stopping leaves no sockets.
 */
export class WebhookDispatcher {
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal;
  readonly #attempts: WebhookAttempt[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #httpAgent = new HttpAgent({ keepAlive: false });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: false });

  /**
   * @param timeoutMs - how long to wait for the receiver's answer.
   * @param signal - aborts every in-flight delivery (the sandbox's stop signal).
   */
  constructor(timeoutMs: number, signal: AbortSignal) {
    this.#timeoutMs = timeoutMs;
    this.#signal = signal;
  }

  /** Every attempt so far, oldest first. */
  attempts(): WebhookAttempt[] {
    return [...this.#attempts];
  }

  /** Deliver one webhook and record the attempt once it completes (answered or not). */
  post(request: WebhookRequest): Promise<WebhookAttempt> {
    return this.track(this.#deliver(request, null));
  }

  /** Re-send an earlier attempt byte for byte: same URL, headers (signature included) and body. */
  replay(attemptId: number): Promise<WebhookAttempt> {
    const original = this.#attempts.find((attempt) => attempt.id === attemptId);
    if (original === undefined) return Promise.reject(new Error(`no webhook attempt #${attemptId}`));
    return this.track(this.#deliver(original, original.id));
  }

  /** Keep `work` in the in-flight set until it settles, so {@link whenIdle} waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolve once no delivery (and no tracked work that may start one) is pending. */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  async #deliver(request: WebhookRequest, replayOf: number | null): Promise<WebhookAttempt> {
    const id = this.#attempts.length + 1;
    const sentAt = new Date();
    // Reserve the slot now so ids follow the order attempts start, not the order they finish.
    const placeholder: WebhookAttempt = {
      id,
      kind: request.kind,
      subject: request.subject,
      url: request.url,
      headers: { ...request.headers },
      body: request.body,
      sentAt,
      replayOf,
      responseStatus: null,
      responseBody: null,
      error: 'in flight',
      accepted: false,
      completedAt: null,
    };
    this.#attempts.push(placeholder);
    const outcome = await this.#send(request);
    const attempt: WebhookAttempt = {
      ...placeholder,
      responseStatus: outcome.status,
      responseBody: outcome.body,
      error: outcome.error,
      accepted: outcome.status !== null && outcome.status >= 200 && outcome.status < 300,
      completedAt: new Date(),
    };
    this.#attempts[id - 1] = attempt;
    return attempt;
  }

  #send(
    request: WebhookRequest,
  ): Promise<{ status: number | null; body: string | null; error: string | null }> {
    return new Promise((resolve) => {
      if (this.#signal.aborted) {
        resolve({ status: null, body: null, error: 'sandbox stopped' });
        return;
      }
      let target: URL;
      try {
        target = new URL(request.url);
      } catch {
        resolve({ status: null, body: null, error: `invalid URL ${request.url}` });
        return;
      }
      const isHttps = target.protocol === 'https:';
      if (!isHttps && target.protocol !== 'http:') {
        resolve({ status: null, body: null, error: `unsupported protocol ${target.protocol}` });
        return;
      }
      const payload = Buffer.from(request.body, 'utf8');
      const send = isHttps ? httpsRequest : httpRequest;
      const req = send(target, {
        method: 'POST',
        agent: isHttps ? this.#httpsAgent : this.#httpAgent,
        headers: { ...request.headers, 'content-length': String(payload.length) },
        signal: this.#signal,
        timeout: this.#timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', (error) => {
        resolve({
          status: null,
          body: null,
          error: this.#signal.aborted ? 'sandbox stopped' : error.message,
        });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - size));
          size += chunk.length;
        });
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
            error: null,
          });
        });
        res.on('error', (error) => {
          resolve({ status: res.statusCode ?? null, body: null, error: error.message });
        });
      });
      req.end(payload);
    });
  }
}
