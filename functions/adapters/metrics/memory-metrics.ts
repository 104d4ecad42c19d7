import type { MetricDimensions, MetricName, Metrics } from '../../app/ports/metrics.ts';

/** One count as {@link MemoryMetrics.snapshot} shows it. */
interface CounterView {
  name: MetricName;
  dimensions: Record<string, string>;
  value: number;
}

/** A latency summary (milliseconds) for one set of dimensions. */
interface LatencyView {
  name: MetricName;
  dimensions: Record<string, string>;
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
}

/** What the process counted since it started: `GET /api/metrics` serves it as JSON. */
export interface MetricsSnapshot {
  counters: CounterView[];
  latencies: LatencyView[];
}

/** Latency samples kept per dimension set; older ones are dropped (a summary, not a history). */
const MAX_SAMPLES = 10_000;

/**
 * The metrics port on one machine (the local runtime) and in tests: the same names and
 * dimensions as in CloudWatch, kept in memory for the life of the process.
 */
export class MemoryMetrics implements Metrics {
  private readonly counts = new Map<string, CounterView>();
  private readonly samples = new Map<
    string,
    { name: MetricName; dimensions: Record<string, string>; values: number[] }
  >();

  add(name: MetricName, dimensions: MetricDimensions = {}, value = 1): void {
    const dims: Record<string, string> = { ...dimensions };
    const key = `${name}|${JSON.stringify(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    if (name === 'ProviderLatency') {
      const entry = this.samples.get(key) ?? { name, dimensions: dims, values: [] };
      entry.values.push(value);
      if (entry.values.length > MAX_SAMPLES) entry.values.shift();
      this.samples.set(key, entry);
      return;
    }
    const counter = this.counts.get(key) ?? { name, dimensions: dims, value: 0 };
    counter.value += value;
    this.counts.set(key, counter);
  }

  /** The sum of a count over the dimension sets that include `dimensions` (all of them when absent). */
  total(name: MetricName, dimensions: Record<string, string> = {}): number {
    let sum = 0;
    for (const counter of this.counts.values()) {
      const matches = Object.entries(dimensions).every(([key, value]) => counter.dimensions[key] === value);
      if (counter.name === name && matches) sum += counter.value;
    }
    return sum;
  }

  snapshot(): MetricsSnapshot {
    const counters = [...this.counts.values()].map((counter) => ({
      ...counter,
      dimensions: { ...counter.dimensions },
    }));
    const latencies = [...this.samples.values()].map(({ name, dimensions, values }) =>
      summary(name, dimensions, values),
    );
    return { counters, latencies };
  }
}

function summary(name: MetricName, dimensions: Record<string, string>, values: number[]): LatencyView {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    name,
    dimensions: { ...dimensions },
    count: sorted.length,
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
    p50: at(0.5),
    p99: at(0.99),
  };
}
