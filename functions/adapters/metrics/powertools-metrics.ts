import { MetricUnit, Metrics as PowertoolsMetricsClient } from '@aws-lambda-powertools/metrics';
import type { MetricDimensions, MetricName, Metrics } from '../../app/ports/metrics.ts';

/**
 * Options of {@link PowertoolsMetrics}. Either left out is read by Powertools from the variable
 * the stack sets on every function (infra/constructs/nudge-function.ts), as the logger does.
 */
export interface PowertoolsMetricsOptions {
  /** CloudWatch namespace; default `POWERTOOLS_METRICS_NAMESPACE` (`Nudge/<stage>`). */
  namespace?: string;
  /** The `service` dimension on every metric; default `POWERTOOLS_SERVICE_NAME` (`nudge-send`, …). */
  serviceName?: string;
  /** A client of its own (tests pass one whose output they read). */
  client?: PowertoolsMetricsClient;
}

/**
 * The metrics port in Lambda: CloudWatch Embedded Metric Format through Powertools. Counts are
 * summed and latencies kept per invocation, then {@link PowertoolsMetrics.flush} writes one EMF
 * line per set of dimensions (a metric with `reason: frequency-cap` and one with
 * `channel: sms` cannot share a line: EMF dimensions hold for every metric of a line). A line
 * with a `reason` or `channel` also names the `service`-only set, so CloudWatch keeps the total
 * too: an alarm needs one metric, and cannot sum an open list of reasons.
 */
export class PowertoolsMetrics implements Metrics {
  private readonly client: PowertoolsMetricsClient;
  /** Dimension key (JSON) → metric name → values (one for a count, one per sample for latency). */
  private readonly pending = new Map<string, Map<MetricName, number[]>>();

  constructor(options: PowertoolsMetricsOptions = {}) {
    this.client =
      options.client ??
      new PowertoolsMetricsClient({
        ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
      });
  }

  add(name: MetricName, dimensions: MetricDimensions = {}, value = 1): void {
    const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1)));
    const byName = this.pending.get(key) ?? new Map<MetricName, number[]>();
    this.pending.set(key, byName);
    const values = byName.get(name) ?? [];
    byName.set(name, values);
    if (name === 'ProviderLatency' || values.length === 0) values.push(value);
    else values[0] = (values[0] ?? 0) + value;
  }

  /** Writes what this invocation counted (one EMF line per dimension set) and forgets it. */
  flush(): void {
    for (const [key, byName] of this.pending) {
      const dimensions: Record<string, string> = Object.fromEntries(JSON.parse(key));
      if (Object.keys(dimensions).length > 0) {
        this.client.addDimensions(dimensions);
        this.client.addDimensions({}); // the service-only roll-up
      }
      for (const [name, values] of byName) {
        const unit = name === 'ProviderLatency' ? MetricUnit.Milliseconds : MetricUnit.Count;
        for (const value of values) this.client.addMetric(name, unit, value);
      }
      this.client.publishStoredMetrics();
    }
    this.pending.clear();
  }
}
