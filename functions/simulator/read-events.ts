/** Where a backtest's events come from: a JSON Lines file, streamed, or the event archive. */
import { createReadStream } from 'node:fs';
import type { EventArchive } from '../app/ports/event-archive.ts';
import type { BacktestInput } from './backtest.ts';

/**
 * The lines of a JSON Lines file, a chunk's worth at a time (never the whole file in memory; one
 * promise per chunk, not per line): each parsed, or why not, with its 1-based line number. Lines
 * end at `\n`, `\r\n` or a lone `\r`, as `readline` splits them; blank lines are skipped. Lines
 * are cut from each decoded chunk with `indexOf` (readline's own cut, without its regular
 * expression and events).
 */
export async function* streamJsonLines(path: string): AsyncGenerator<BacktestInput[]> {
  let line = 0;
  let carry = '';
  const parse = (text: string): BacktestInput | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    try {
      return { line, value: JSON.parse(text) };
    } catch (error) {
      return { line, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  /** Adds the lines of one piece ended by `\n` (or the file's end): several where lone `\r` split it. */
  function lines(piece: string, into: BacktestInput[]): void {
    let start = 0;
    for (let cr = piece.indexOf('\r'); cr >= 0; cr = piece.indexOf('\r', start)) {
      const input = parse(piece.slice(start, cr));
      if (input !== undefined) into.push(input);
      start = cr + 1;
    }
    const input = parse(start === 0 ? piece : piece.slice(start));
    if (input !== undefined) into.push(input);
  }
  for await (const chunk of createReadStream(path, 'utf8')) {
    const text: string = carry === '' ? chunk : carry + chunk;
    const batch: BacktestInput[] = [];
    let start = 0;
    for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n', start)) {
      // `\r\n` is one break: the `\r` just before a `\n` ends nothing of its own.
      const end = lf > start && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
      lines(text.slice(start, end), batch);
      start = lf + 1;
    }
    carry = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  const last: BacktestInput[] = [];
  if (carry !== '') lines(carry, last);
  if (last.length > 0) yield last;
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
