/**
 * The bounded copy of an event's detail that a message record keeps for rendering later.
 *
 * EventBridge takes events of 256 KB and DynamoDB items of 400 KB: a record holding the whole
 * detail plus a rendered email could not be written once the provider had accepted the message,
 * and each retry sent it again. So the record keeps the detail whole up to
 * {@link MAX_SNAPSHOT_BYTES}, and beyond that leaves out the largest values first — single
 * values of 1 KB or more, then whole top-level fields — naming each path it left out. A template
 * that quotes a value left out fails with that variable's name, and the message is held back
 * with the reason (never sent half-rendered).
 */

/** The detail a message record keeps, at most (UTF-8 bytes of its JSON). */
export const MAX_SNAPSHOT_BYTES = 64 * 1024;

/** A single value at least this large (UTF-8 bytes of its JSON) is left out before whole fields are. */
const LARGE_VALUE_BYTES = 1024;

/** The kept detail and the paths left out (`detail.notes`, `detail.items.3`), largest first. */
export interface TrimmedDetail {
  detail: Record<string, unknown>;
  trimmed: string[];
}

interface Leaf {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  path: string;
  bytes: number;
}

/**
 * Cuts `detail` to at most `maxBytes` (UTF-8 bytes of its JSON). Pure; the input is not changed.
 * `trimmed` is empty when the detail was kept whole.
 */
export function trimDetail(detail: Record<string, unknown>, maxBytes = MAX_SNAPSHOT_BYTES): TrimmedDetail {
  const text = JSON.stringify(detail);
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4): short text needs no encoding.
  if (text.length * 3 <= maxBytes) return { detail, trimmed: [] };
  let total = utf8Bytes(text);
  if (total <= maxBytes) return { detail, trimmed: [] };
  const copy: unknown = JSON.parse(text);
  if (!isRecord(copy)) return { detail: {}, trimmed: ['detail'] };
  const trimmed: string[] = [];

  // Large single values first: a 140 KB note is what makes an event large, and the rest of the
  // detail is likely what the templates quote.
  const leaves = largeLeaves(copy).sort((a, b) => b.bytes - a.bytes);
  for (const leaf of leaves) {
    if (total <= maxBytes) break;
    leaveOut(leaf.parent, leaf.key);
    total -= leaf.bytes;
    trimmed.push(leaf.path);
  }
  total = utf8Bytes(JSON.stringify(copy));
  // Then whole top-level fields, largest first (many small values add up too).
  if (total > maxBytes) {
    const fields = Object.entries(copy)
      .map(([key, value]) => ({ key, bytes: utf8Bytes(JSON.stringify(value) ?? '') + utf8Bytes(key) }))
      .sort((a, b) => b.bytes - a.bytes);
    for (const field of fields) {
      if (total <= maxBytes) break;
      delete copy[field.key];
      total -= field.bytes;
      trimmed.push(`detail.${field.key}`);
    }
    total = utf8Bytes(JSON.stringify(copy));
  }
  return total <= maxBytes ? { detail: copy, trimmed } : { detail: {}, trimmed: ['detail'] };
}

/** Leaves (not objects or arrays) of at least LARGE_VALUE_BYTES, without recursion. */
function largeLeaves(root: Record<string, unknown>): Leaf[] {
  const found: Leaf[] = [];
  const stack: Array<{ value: Record<string, unknown> | unknown[]; path: string }> = [
    { value: root, path: 'detail' },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key, item] of entries) {
      const itemPath = `${path}.${key}`;
      if (Array.isArray(item) || isRecord(item)) {
        stack.push({ value: item, path: itemPath });
        continue;
      }
      const bytes = utf8Bytes(JSON.stringify(item) ?? '');
      if (bytes >= LARGE_VALUE_BYTES) found.push({ parent: value, key, path: itemPath, bytes });
    }
  }
  return found;
}

/** Removes a field, or blanks an array element (to null) so later indexes keep their meaning. */
function leaveOut(parent: Record<string, unknown> | unknown[], key: string | number): void {
  if (Array.isArray(parent)) {
    if (typeof key === 'number') parent[key] = null;
    return;
  }
  delete parent[String(key)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
