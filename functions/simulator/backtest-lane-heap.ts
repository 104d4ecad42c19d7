/**
 * The binary heap under a backtest's `HeapScheduler` (both paths): earliest send time first, ties
 * by message id. Times sit in their own array of numbers beside the entries. An entry whose
 * `sendAtMs` no longer equals the time it was pushed at (a mutable item moved since) is stale and
 * skipped when it comes up.
 *
 * The lane once kept its pending messages in here directly, with no map from id to send time; a
 * cancelled message then stayed reachable from the heap (with its whole event) until its send time,
 * and a message planned again under the same id after it settled could be sent at the old entry's
 * time: the scheduler's id-to-time map is what keeps both right.
 */

/** What the heap orders: a message id and the time it is scheduled for now. */
export interface Scheduled {
  readonly key: string;
  sendAtMs: number;
}

export class LaneHeap<T extends Scheduled> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Schedules `item` at `item.sendAtMs` (a later call for a moved item leaves a stale entry). */
  push(item: T): void {
    const atMs = item.sendAtMs;
    const at = this.at;
    const items = this.items;
    let i = items.length;
    at.push(atMs);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const upAt = at[parent] ?? 0;
      const up = items[parent];
      if (up === undefined || !before(atMs, item.key, upAt, up.key)) break;
      at[i] = upAt;
      items[i] = up;
      i = parent;
    }
    at[i] = atMs;
    items[i] = item;
  }

  /**
   * Removes and returns the earliest entry due at or before `limitMs` that is not stale (its item
   * still scheduled at the entry's time), or undefined.
   */
  takeDue(limitMs: number): T | undefined {
    for (;;) {
      const top = this.items[0];
      const topAt = this.at[0] ?? 0;
      if (top === undefined || topAt > limitMs) return undefined;
      this.pop();
      if (top.sendAtMs === topAt) return top;
    }
  }

  private pop(): void {
    const at = this.at;
    const items = this.items;
    const lastAt = at.pop() ?? 0;
    const last = items.pop();
    const n = items.length;
    if (last === undefined || n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      let bestAt = lastAt;
      let best = last;
      const l = items[left];
      if (l !== undefined && before(at[left] ?? 0, l.key, bestAt, best.key)) {
        smallest = left;
        bestAt = at[left] ?? 0;
        best = l;
      }
      const r = items[right];
      if (r !== undefined && before(at[right] ?? 0, r.key, bestAt, best.key)) {
        smallest = right;
        bestAt = at[right] ?? 0;
        best = r;
      }
      if (smallest === i) break;
      at[i] = bestAt;
      items[i] = best;
      i = smallest;
    }
    at[i] = lastAt;
    items[i] = last;
  }
}

function before(aAt: number, aKey: string, bAt: number, bKey: string): boolean {
  return aAt < bAt || (aAt === bAt && aKey < bKey);
}
