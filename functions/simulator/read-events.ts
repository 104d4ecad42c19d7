/** Where a backtest's events come from: a JSON Lines file, streamed, or the event archive. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { EventArchive } from '../app/ports/event-archive.ts';
import type { BacktestInput } from './backtest.ts';

/**
 * The lines of a JSON Lines file, one at a time (never the whole file in memory): each parsed,
 * or why not, with its 1-based line number. Blank lines are skipped.
 */
export async function* streamJsonLines(path: string): AsyncGenerator<BacktestInput> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (error) {
      yield { line, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
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
