import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { streamJsonLines } from '../../../functions/simulator/read-events.ts';

async function read(
  text: string | Buffer,
): Promise<Array<{ line: number; value?: unknown; error?: string }>> {
  const file = join(mkdtempSync(join(tmpdir(), 'nudge-read-events-')), 'events.jsonl');
  writeFileSync(file, text);
  const out: Array<{ line: number; value?: unknown; error?: string }> = [];
  for await (const batch of streamJsonLines(file)) out.push(...batch);
  return out;
}

describe('a JSON Lines file streamed for a backtest', () => {
  it('numbers lines as an editor does for \\n, \\r\\n and lone \\r, skipping blank ones', async () => {
    const inputs = await read('{"n":1}\n\n{"n":3}\r\n  \r\n{"n":5}\r{"n":6}\r\rnot json\n{"n":9}');
    expect(inputs.filter((input) => 'value' in input)).toEqual([
      { line: 1, value: { n: 1 } },
      { line: 3, value: { n: 3 } },
      { line: 5, value: { n: 5 } },
      { line: 6, value: { n: 6 } },
      { line: 9, value: { n: 9 } },
    ]);
    expect(inputs.filter((input) => 'error' in input).map((input) => input.line)).toEqual([8]);
  });

  it('keeps lines and characters whole across read buffers', async () => {
    // Lines far longer than a read buffer (64 KiB), multi-byte characters and \r\n pairs on the seams.
    const long = (n: number) => JSON.stringify({ n, text: 'åäö😀→'.repeat(9_000 + n) });
    const lines = Array.from({ length: 12 }, (_, n) => long(n));
    const inputs = await read(Buffer.from(lines.join('\r\n'), 'utf8'));
    expect(inputs).toEqual(lines.map((text, n) => ({ line: n + 1, value: JSON.parse(text) })));
  });
});
