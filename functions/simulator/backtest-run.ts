/**
 * What both backtest paths (the lane and the exact production path) share: the report's shape
 * and the bookkeeping of the input stream (lines read, malformed, out of time order, the window).
 */
import { DifferenceSampler, type MessageDifference, type RuleCounts, type Side } from './backtest-tally.ts';

/** One input line: parsed JSON, or why it could not be read. */
export type BacktestInput = { line: number; value: unknown } | { line: number; error: string };

/** A backtest's input lines, one at a time or in batches (a file read yields a chunk's lines at once). */
export type BacktestInputs = AsyncIterable<BacktestInput | ReadonlyArray<BacktestInput>>;

/** A line the backtest could not use, and why. */
interface MalformedLine {
  line: number;
  reason: string;
}

/** What a backtest found. */
export interface BacktestReport {
  events: {
    /** Lines read (events and malformed lines). */
    read: number;
    /** Events replayed (accepted by the engine). */
    replayed: number;
    /** Lines that were not JSON or that the engine rejected (same on both sides). */
    malformed: number;
    /** Events dated before one read earlier: evaluated at the clock, as a late delivery would be. */
    outOfOrder: number;
    first: string | null;
    last: string | null;
  };
  /** The first {@link MALFORMED_SHOWN} malformed lines; `events.malformed` counts them all. */
  malformed: MalformedLine[];
  /** Per rule (every rule of either side), the two sides' counts. */
  rules: Array<{ ruleId: string; baseline?: RuleCounts; candidate?: RuleCounts }>;
  differences: { compared: number; differing: number; sample: MessageDifference[] };
  elapsedMs: number;
  /**
   * Which path replayed the events: the lane (core planning over compact state), or the exact
   * production path, and why (the rules the lane cannot plan exactly, with the reason).
   */
  engine: { path: 'lane' | 'exact'; fallback: Array<{ side: Side; ruleId: string; reason: string }> };
  /** Peak resident memory of the process and the most messages pending at once (both sides). */
  peak: { rssMiB: number; pending: number };
  /** Notes on the replay a reader must know (e.g. where goal conversions may be undercounted). */
  notes: string[];
}

const MALFORMED_SHOWN = 20;
const DIFFERENCES_SHOWN = 20;

/** Running bookkeeping of one backtest over the input stream. */
export class RunBook {
  readonly started = Date.now();
  readonly differences = new DifferenceSampler(DIFFERENCES_SHOWN);
  readonly malformed: MalformedLine[] = [];
  readonly notes: string[] = [];
  read = 0;
  replayed = 0;
  malformedCount = 0;
  outOfOrder = 0;
  latestMs = Number.NEGATIVE_INFINITY;
  firstMs: number | undefined;
  peakRss = 0;
  peakPending = 0;

  addMalformed(line: number, reason: string): void {
    this.malformedCount++;
    if (this.malformed.length < MALFORMED_SHOWN) this.malformed.push({ line, reason });
  }

  /** Notes an accepted event's time. */
  accepted(timeMs: number | undefined): void {
    this.replayed++;
    if (timeMs !== undefined && timeMs > this.latestMs) {
      this.latestMs = timeMs;
      this.firstMs ??= timeMs;
    }
  }

  /** Samples memory; cheap enough to call every thousand lines. */
  sample(pending: number): void {
    this.peakPending = Math.max(this.peakPending, pending);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  report(
    counts: Record<Side, ReadonlyMap<string, RuleCounts>>,
    engine: BacktestReport['engine'],
  ): BacktestReport {
    this.sample(0);
    const ids = [...new Set([...counts.baseline.keys(), ...counts.candidate.keys()])];
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      events: {
        read: this.read,
        replayed: this.replayed,
        malformed: this.malformedCount,
        outOfOrder: this.outOfOrder,
        first: iso(this.firstMs),
        last: Number.isFinite(this.latestMs) ? iso(this.latestMs) : null,
      },
      malformed: this.malformed,
      rules: ids.map((ruleId) => ({
        ruleId,
        ...sideCounts('baseline', counts.baseline.get(ruleId)),
        ...sideCounts('candidate', counts.candidate.get(ruleId)),
      })),
      differences: {
        compared: this.differences.compared,
        differing: this.differences.differing,
        sample: this.differences.sample,
      },
      elapsedMs: Date.now() - this.started,
      engine,
      peak: { rssMiB: Math.round((this.peakRss / 1024 / 1024) * 10) / 10, pending: this.peakPending },
      notes: this.notes,
    };
  }
}

function sideCounts(side: Side, counts: RuleCounts | undefined): Partial<Record<Side, RuleCounts>> {
  return counts === undefined ? {} : { [side]: counts };
}
