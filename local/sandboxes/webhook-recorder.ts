import { readBody, startLoopbackServer } from './loopback-server.ts';

/** One request a {@link WebhookRecorder} received. */
export interface RecordedWebhook {
  readonly method: string;
  /** Full URL as the sender addressed it (what Twilio signs), e.g. `http://127.0.0.1:5000/sms/status`. */
  readonly url: string;
  /** Path and query. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  readonly receivedAt: Date;
  /** The status the recorder answered with. */
  readonly answeredWith: number;
}

/** Decides the recorder's answer to a request. */
type RecorderResponder = (request: Omit<RecordedWebhook, 'answeredWith'>) => number;

/** A loopback receiver that records every webhook and answers with a programmable status. */
export interface WebhookRecorder {
  /** Base URL without a trailing slash; append any path. */
  readonly url: string;
  /** Everything received so far, oldest first. */
  requests(): RecordedWebhook[];
  /** Answer every following request with `status`, or with what `responder` returns. */
  respondWith(status: number | RecorderResponder): void;
  /** Resolve once `count` requests in total match `predicate` (default: all); rejects after `timeoutMs`. */
  waitFor(
    count: number,
    predicate?: (request: RecordedWebhook) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedWebhook[]>;
  /** Forget what was received. */
  clear(): void;
  stop(): Promise<void>;
}

interface Waiter {
  readonly count: number;
  readonly predicate: (request: RecordedWebhook) => boolean;
  readonly resolve: (requests: RecordedWebhook[]) => void;
}

/**
 * Start a webhook receiver on 127.0.0.1 (port 0 by default), for tests and local runs that need
 * to see exactly what a sandbox posted.
 */
export async function startWebhookRecorder(port = 0): Promise<WebhookRecorder> {
  const received: RecordedWebhook[] = [];
  const waiters = new Set<Waiter>();
  let responder: RecorderResponder = () => 200;

  const server = await startLoopbackServer(async (req, res) => {
    const rawBody = await readBody(req, 10 * 1024 * 1024);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const path = req.url ?? '/';
    const request = {
      method: req.method ?? 'GET',
      url: `http://${headers.host ?? '127.0.0.1'}${path}`,
      path,
      headers,
      rawBody,
      receivedAt: new Date(),
    };
    const status = responder(request);
    const recorded: RecordedWebhook = { ...request, answeredWith: status };
    received.push(recorded);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'refused');
    for (const waiter of waiters) settle(waiter);
  }, port);

  function matching(predicate: (request: RecordedWebhook) => boolean): RecordedWebhook[] {
    return received.filter(predicate);
  }

  function settle(waiter: Waiter): void {
    const found = matching(waiter.predicate);
    if (found.length >= waiter.count) {
      waiters.delete(waiter);
      waiter.resolve(found);
    }
  }

  return {
    url: server.url,
    requests: () => [...received],
    respondWith: (status) => {
      responder = typeof status === 'number' ? () => status : status;
    },
    waitFor: (count, predicate = () => true, timeoutMs = 5_000) =>
      new Promise<RecordedWebhook[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`expected ${count} webhook(s), got ${matching(predicate).length} in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const waiter: Waiter = {
          count,
          predicate,
          resolve: (requests) => {
            clearTimeout(timer);
            resolve(requests);
          },
        };
        waiters.add(waiter);
        settle(waiter);
      }),
    clear: () => {
      received.length = 0;
    },
    stop: () => server.close(),
  };
}
