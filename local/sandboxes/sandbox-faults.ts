/**
 * Fault injection shared by the provider sandboxes.
 *
 * A sandbox asks {@link SandboxFaults.decide} once for every API request it receives (before it
 * authenticates or validates anything, because a throttled or unavailable provider never gets that
 * far) and then acts on the answer. Webhooks the sandbox sends are not affected.
 *
 * Precedence when several faults are armed: an active outage wins, then the scripted queue
 * (`failNext`, `hangNext`, `loseAnswerNext`, consumed first-in first-out), then the seeded rate.
 * Latency is added to every request that gets an answer (normal, failed or lost).
 */

/** The answer a sandbox gives instead of processing the request. */
export interface SandboxFailure {
  /** HTTP status, e.g. 429, 500, 503. */
  readonly status: number;
  /**
   * Provider error code for the body. Twilio puts it in `code` (default `20000 + status`, which
   * gives Twilio's 20429, 20500 and 20503); SendGrid has no numeric codes and ignores it.
   */
  readonly code?: number;
  /** Error message for the body; each sandbox has a provider-like default per status. */
  readonly message?: string;
  /** When set, the answer carries `Retry-After: <seconds>`. */
  readonly retryAfterSeconds?: number;
}

/** What a sandbox must do with one API request. */
export type FaultDecision =
  | { readonly kind: 'pass'; readonly latencyMs: number }
  | {
      readonly kind: 'fail';
      readonly failure: SandboxFailure;
      readonly latencyMs: number;
      readonly cause: 'scripted' | 'rate' | 'outage';
    }
  /** Never answer; the socket stays open until the client gives up or the sandbox stops. */
  | { readonly kind: 'hang' }
  /** Process the request as usual (the message is kept), then destroy the socket unanswered. */
  | { readonly kind: 'lose'; readonly latencyMs: number };

/** How many API requests a sandbox has seen, by what the faults made of them. */
export interface FaultCounts {
  /** Every API request. */
  readonly seen: number;
  /** Processed normally (including the sandbox's own 4xx validation answers). */
  readonly passed: number;
  /** Answered with an injected failure from `failNext` or `failRate`. */
  readonly failed: number;
  /** Answered with the outage failure. */
  readonly outage: number;
  /** Left unanswered on purpose. */
  readonly hung: number;
  /** Processed, then the socket was destroyed before the answer. */
  readonly lost: number;
}

/** Options for {@link SandboxFaults.failRate}. */
export interface FailRateOptions {
  /** Fraction of requests to fail, in [0, 1]. */
  readonly rate: number;
  /** PRNG seed: the same seed over the same request sequence fails the same requests. */
  readonly seed: number;
  /** The failure to answer with (default 500). */
  readonly failure?: SandboxFailure;
}

/** Options for {@link SandboxFaults.outage}. */
export interface OutageOptions {
  /** How long the outage lasts, measured on the faults' clock. */
  readonly durationMs: number;
  /** The answer during the outage (default 503). */
  readonly failure?: SandboxFailure;
}

type ScriptedFault =
  | { readonly kind: 'fail'; readonly failure: SandboxFailure }
  | { readonly kind: 'hang' }
  | { readonly kind: 'lose' };

const DEFAULT_RATE_FAILURE: SandboxFailure = { status: 500 };
const DEFAULT_OUTAGE_FAILURE: SandboxFailure = { status: 503 };

/**
 * Programmable faults for one sandbox. Deterministic: no randomness except the seeded PRNG,
 * and time comes from the injected clock.
 */
export class SandboxFaults {
  readonly #now: () => number;
  #script: ScriptedFault[] = [];
  #rate: { rate: number; failure: SandboxFailure; next: () => number } | null = null;
  #latencyMs = 0;
  #outage: { until: number; failure: SandboxFailure } | null = null;
  #counts = { seen: 0, passed: 0, failed: 0, outage: 0, hung: 0, lost: 0 };

  /** @param now - clock in epoch milliseconds, used only for outages (tests pass a fake one). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Fail the next `count` requests with `failure` (e.g. `{ status: 429, retryAfterSeconds: 2 }`). */
  failNext(count: number, failure: SandboxFailure): this {
    assertCount(count);
    assertFailure(failure);
    for (let i = 0; i < count; i++) this.#script.push({ kind: 'fail', failure });
    return this;
  }

  /** Leave the next `count` requests unanswered until the client times out or the sandbox stops. */
  hangNext(count = 1): this {
    assertCount(count);
    for (let i = 0; i < count; i++) this.#script.push({ kind: 'hang' });
    return this;
  }

  /** Accept the next `count` requests (the sandbox keeps the message), then drop the connection. */
  loseAnswerNext(count = 1): this {
    assertCount(count);
    for (let i = 0; i < count; i++) this.#script.push({ kind: 'lose' });
    return this;
  }

  /** Fail a seeded, deterministic fraction of requests. Replaces any previous rate. */
  failRate(options: FailRateOptions): this {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError('rate must be within [0, 1]');
    if (!Number.isInteger(options.seed)) throw new RangeError('seed must be an integer');
    const failure = options.failure ?? DEFAULT_RATE_FAILURE;
    assertFailure(failure);
    this.#rate = { rate: options.rate, failure, next: mulberry32(options.seed) };
    return this;
  }

  /** Stop failing a fraction of requests. */
  clearRate(): this {
    this.#rate = null;
    return this;
  }

  /** Delay every answer by `ms` (0 turns it off). */
  setLatency(ms: number): this {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError('latency must be a non-negative number');
    this.#latencyMs = ms;
    return this;
  }

  /** Answer every request with the outage failure for `durationMs`, starting now. */
  outage(options: OutageOptions): this {
    if (!(Number.isFinite(options.durationMs) && options.durationMs > 0)) {
      throw new RangeError('durationMs must be a positive number');
    }
    const failure = options.failure ?? DEFAULT_OUTAGE_FAILURE;
    assertFailure(failure);
    this.#outage = { until: this.#now() + options.durationMs, failure };
    return this;
  }

  /** End an outage early. */
  endOutage(): this {
    this.#outage = null;
    return this;
  }

  /** Whether an outage is in force right now. */
  inOutage(): boolean {
    return this.#outage !== null && this.#now() < this.#outage.until;
  }

  /** Disarm every fault (scripted, rate, latency, outage). Counts are kept. */
  reset(): this {
    this.#script = [];
    this.#rate = null;
    this.#latencyMs = 0;
    this.#outage = null;
    return this;
  }

  /** Scripted faults not yet consumed. */
  pending(): number {
    return this.#script.length;
  }

  /** Requests seen so far, by outcome. */
  counts(): FaultCounts {
    return { ...this.#counts };
  }

  /** Zero the counts. */
  resetCounts(): this {
    this.#counts = { seen: 0, passed: 0, failed: 0, outage: 0, hung: 0, lost: 0 };
    return this;
  }

  /**
   * Decide the fate of one API request and count it. Called by the sandboxes; tests use the
   * other methods.
   */
  decide(): FaultDecision {
    this.#counts.seen++;
    const latencyMs = this.#latencyMs;
    if (this.#outage !== null) {
      if (this.#now() < this.#outage.until) {
        this.#counts.outage++;
        return { kind: 'fail', failure: this.#outage.failure, latencyMs, cause: 'outage' };
      }
      this.#outage = null;
    }
    const scripted = this.#script.shift();
    if (scripted !== undefined) {
      switch (scripted.kind) {
        case 'fail':
          this.#counts.failed++;
          return { kind: 'fail', failure: scripted.failure, latencyMs, cause: 'scripted' };
        case 'hang':
          this.#counts.hung++;
          return { kind: 'hang' };
        case 'lose':
          this.#counts.lost++;
          return { kind: 'lose', latencyMs };
      }
    }
    // The PRNG advances on every request that reaches this point, so the pattern depends only on
    // the seed and the order of requests, not on wall-clock time.
    if (this.#rate !== null && this.#rate.next() < this.#rate.rate) {
      this.#counts.failed++;
      return { kind: 'fail', failure: this.#rate.failure, latencyMs, cause: 'rate' };
    }
    this.#counts.passed++;
    return { kind: 'pass', latencyMs };
  }
}

function assertCount(count: number): void {
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError('count must be a positive integer');
}

function assertFailure(failure: SandboxFailure): void {
  if (!(Number.isInteger(failure.status) && failure.status >= 400 && failure.status <= 599)) {
    throw new RangeError('failure.status must be an HTTP error status (400-599)');
  }
  if (
    failure.retryAfterSeconds !== undefined &&
    !(Number.isInteger(failure.retryAfterSeconds) && failure.retryAfterSeconds >= 0)
  ) {
    throw new RangeError('failure.retryAfterSeconds must be a non-negative integer');
  }
}

/** Mulberry32: a tiny, well-distributed 32-bit PRNG; enough for reproducible fault patterns. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
