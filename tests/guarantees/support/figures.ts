import type { TaskMeta } from 'vitest';

/** What one guarantee test injected and what it observed, for the closing table. */
export interface GuaranteeFigures {
  /** The suite's row label, e.g. `1 duplicates and concurrency`. */
  suite: string;
  injected: string;
  observed: string;
  /** The PRNG seed the inputs came from, when they were generated. */
  seed?: number;
  /**
   * The figures the issue names (STOPs sent / applied / sends after STOP, re-grants without
   * START, confirmations, one-click unsubscribes, oversize/constructor inputs, lease-lapse
   * duplicates), each with the value it must have: printed again as one "key figures" table.
   */
  key?: ReadonlyArray<KeyFigure>;
}

/** One headline figure and the value the guarantee requires of it. */
interface KeyFigure {
  figure: string;
  value: string;
  /** What it must be, e.g. `0` or `100 %`; `(figure only)` where nothing is asserted yet. */
  target: string;
}

declare module '@vitest/runner' {
  interface TaskMeta {
    guarantee?: GuaranteeFigures;
  }
}

/**
 * Attaches the figures to the running test; `tests/support/guarantees-reporter.ts` prints every
 * test's figures as one table at the end of the run. Call it before the assertions, so a failing
 * test still reports what it saw.
 */
export function recordFigures(task: { meta: TaskMeta }, figures: GuaranteeFigures): void {
  task.meta.guarantee = figures;
}

/** `12345` → `12,345`. */
function n(value: number): string {
  return value.toLocaleString('en-US');
}

/** `label value · label value`, the cell format of the table. */
export function cells(entries: ReadonlyArray<readonly [string, number | string]>): string {
  return entries
    .map(([label, value]) => `${label} ${typeof value === 'number' ? n(value) : value}`)
    .join(' · ');
}
