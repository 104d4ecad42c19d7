/** Where a backtest's events come from: a JSON Lines file, streamed, or the event archive. */
import { createReadStream } from 'node:fs';
import type { EventArchive } from '../app/ports/event-archive.ts';
import type { BacktestInput } from './backtest.ts';

/** Bytes of a line break (UTF-8 never has them inside a multi-byte character). */
const LF = 0x0a;
const CR = 0x0d;

/**
 * The lines of a JSON Lines file, one at a time (never the whole file in memory): each parsed,
 * or why not, with its 1-based line number. Lines end at `\n`, `\r\n` or a lone `\r`, as
 * `readline` splits them; blank lines are skipped. Lines are cut from the file's bytes and
 * decoded one by one, so a string an event keeps never holds on to a whole read buffer.
 */
export async function* streamJsonLines(path: string): AsyncGenerator<BacktestInput> {
  let line = 0;
  let carry: Buffer | undefined;
  const parse = (bytes: Buffer, from: number, to: number): BacktestInput | undefined => {
    line++;
    const text = bytes.toString('utf8', from, to);
    if (text.trim() === '') return undefined;
    try {
      return { line, value: JSON.parse(text) };
    } catch (error) {
      return { line, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  /** The lines of bytes[from, to): one, or several where lone carriage returns split it. */
  function* lines(bytes: Buffer, from: number, to: number): Generator<BacktestInput> {
    let start = from;
    for (let cr = bytes.indexOf(CR, start); cr >= 0 && cr < to; cr = bytes.indexOf(CR, start)) {
      const input = parse(bytes, start, cr);
      if (input !== undefined) yield input;
      start = cr + 1;
    }
    const input = parse(bytes, start, to);
    if (input !== undefined) yield input;
  }
  for await (const chunk of createReadStream(path)) {
    const bytes: Buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let lf = bytes.indexOf(LF, start); lf >= 0; lf = bytes.indexOf(LF, start)) {
      // `\r\n` is one break: the `\r` just before a `\n` ends nothing of its own.
      const end = lf > start && bytes[lf - 1] === CR ? lf - 1 : lf;
      yield* lines(bytes, start, end);
      start = lf + 1;
    }
    carry = start < bytes.length ? bytes.subarray(start) : undefined;
  }
  if (carry !== undefined) yield* lines(carry, 0, carry.length);
}

/** The archived events of `from` ≤ time < `to`, oldest first, numbered as lines of an export. */
export async function* archivedInputs(
  archive: EventArchive,
  from: string,
  to: string,
): AsyncGenerator<BacktestInput> {
  let line = 0;
  for await (const entry of archive.readRange(from, to)) {
    line++;
    yield { line, value: entry.event };
  }
}
