/**
 * The binary heap of due sends, earliest send time first, ties by message id: under the exact
 * path's `HeapScheduler`, and holding the lane's pending messages themselves. Times sit in their
 * own array of numbers beside the entries, so an entry whose item moved to another time is told
 * stale by its time (`topMs`). A holder that removes items leaves their entries behind: it checks
 * that the top is still its own (the lane: the same object under that id, at that time).
 */

/** What the heap orders: a message id and its send time. */
export interface Scheduled {
  readonly key: string;
  readonly sendAtMs: number;
}

export class DueHeap<T extends Scheduled> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];

  /** Adds `item` at `item.sendAtMs`. */
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

  /** The time the earliest entry was pushed at (Infinity when empty). */
  get topMs(): number {
    return this.at[0] ?? Number.POSITIVE_INFINITY;
  }

  /** The earliest entry due at or before `limitMs`, left in place, or undefined. */
  peekDue(limitMs: number): T | undefined {
    const top = this.items[0];
    return top === undefined || (this.at[0] ?? 0) > limitMs ? undefined : top;
  }

  /** Removes and returns the earliest entry due at or before `limitMs`, or undefined. */
  takeDue(limitMs: number): T | undefined {
    const top = this.items[0];
    if (top === undefined || (this.at[0] ?? 0) > limitMs) return undefined;
    this.pop();
    return top;
  }

  private pop(): void {
    const at = this.at;
    const items = this.items;
    const lastAt = at.pop() ?? 0;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
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
