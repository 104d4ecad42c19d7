/**
 * How fast one SMS sender may send, and a token bucket that keeps to it. Pure: the clock is a
 * number of milliseconds passed in, so the bucket is tested with a fake one.
 *
 * Twilio limits message segments per second per sender (its "MPS"): a US/Canadian long code 1,
 * a US toll-free number 3, a short code 100, an alphanumeric sender id or a number sending outside
 * +1 10 (bench/capacity/limits.ts cites each page). A Messaging Service sends at the sum of its
 * pool's senders, which Nudge cannot see: it is guarded only when its figure is configured.
 */

/** The kinds of sender whose default rate Twilio documents. */
export type SenderKind =
  | 'long-code'
  | 'long-code-international'
  | 'toll-free'
  | 'short-code'
  | 'alphanumeric';

/** Twilio's default segments per second by kind of sender. */
export const DEFAULT_SENDER_MPS: Readonly<Record<SenderKind, number>> = {
  'long-code': 1,
  'long-code-international': 10,
  'toll-free': 3,
  'short-code': 100,
  alphanumeric: 10,
};

// US and Canadian toll-free area codes (NANP).
const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

/**
 * The kind of a `from` sender (E.164 number, short code or alphanumeric id), or undefined for a
 * Messaging Service SID (`MG…`) or anything else whose rate cannot be told from its form.
 */
function senderKind(sender: string): SenderKind | undefined {
  if (/^MG[0-9a-fA-F]{32}$/.test(sender)) return undefined;
  if (/^\d{5,6}$/.test(sender)) return 'short-code';
  if (TOLL_FREE.test(sender)) return 'toll-free';
  if (/^\+1\d{10}$/.test(sender)) return 'long-code';
  if (/^\+[2-9]\d{6,14}$/.test(sender)) return 'long-code-international';
  if (/^[A-Za-z0-9 ]{1,11}$/.test(sender) && /[A-Za-z]/.test(sender)) return 'alphanumeric';
  return undefined;
}

/**
 * The segments per second `sender` may send: the configured figure for that sender, else the
 * configured figure for every sender (`'*'`), else Twilio's default for its kind; undefined when
 * none applies (an unconfigured Messaging Service: not guarded).
 */
export function senderMps(
  sender: string,
  configured: Readonly<Record<string, number>> = {},
): number | undefined {
  const own = configured[sender] ?? configured['*'];
  if (own !== undefined) return own;
  const kind = senderKind(sender);
  return kind === undefined ? undefined : DEFAULT_SENDER_MPS[kind];
}

/** A token bucket's configuration: tokens (segments) a second and the most it holds. */
export interface BucketRate {
  readonly perSecond: number;
  readonly capacity: number;
}

/** A token bucket's state: tokens left (negative: promised to callers still waiting) at `atMs`. */
export interface BucketState {
  readonly tokens: number;
  readonly atMs: number;
}

/** What {@link reserve} decided. */
export type Reservation =
  | { readonly kind: 'granted'; readonly waitMs: number; readonly state: BucketState }
  | { readonly kind: 'refused'; readonly retryAfterMs: number; readonly state: BucketState };

/**
 * The rate of one instance's bucket when `concurrency` instances share a sender of `mps`
 * segments a second: each gets an equal share, so together they never exceed it; it holds at
 * most one second of its share (and at least one token, so a one-segment message can go).
 */
export function instanceShare(mps: number, concurrency: number): BucketRate {
  const perSecond = mps / Math.max(1, concurrency);
  return { perSecond, capacity: Math.max(1, perSecond) };
}

/** A full bucket at `nowMs`. */
export function fullBucket(rate: BucketRate, nowMs: number): BucketState {
  return { tokens: rate.capacity, atMs: nowMs };
}

function refilled(state: BucketState, rate: BucketRate, nowMs: number): BucketState {
  const elapsed = Math.max(0, nowMs - state.atMs);
  return {
    tokens: Math.min(rate.capacity, state.tokens + (elapsed * rate.perSecond) / 1000),
    atMs: Math.max(nowMs, state.atMs),
  };
}

/**
 * Takes `cost` tokens for a message that may go out after `waitMs`: callers that reserve while
 * the bucket is empty queue behind each other (the tokens go negative). A reservation that would
 * wait longer than `maxWaitMs` is refused and takes nothing; `retryAfterMs` says when it would fit.
 */
export function reserve(
  state: BucketState,
  rate: BucketRate,
  cost: number,
  nowMs: number,
  maxWaitMs: number,
): Reservation {
  const current = refilled(state, rate, nowMs);
  const left = current.tokens - cost;
  const waitMs = left >= 0 ? 0 : Math.ceil((-left / rate.perSecond) * 1000);
  if (waitMs > maxWaitMs) return { kind: 'refused', retryAfterMs: waitMs, state: current };
  return { kind: 'granted', waitMs, state: { tokens: left, atMs: current.atMs } };
}

/**
 * Empties the bucket for `pauseMs` after the provider itself refused for rate (a 429 with
 * `Retry-After`): no reservation is granted before the pause has passed.
 */
export function pause(state: BucketState, rate: BucketRate, pauseMs: number, nowMs: number): BucketState {
  const current = refilled(state, rate, nowMs);
  return { tokens: Math.min(current.tokens, (-pauseMs * rate.perSecond) / 1000), atMs: current.atMs };
}
