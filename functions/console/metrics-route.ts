import { jsonResponse } from './http-io.ts';

/**
 * Where the console reads the metrics from: the local runtime's in-memory metrics port (its
 * snapshot is `MetricsSnapshot` of functions/adapters/metrics/memory-metrics.ts; the console
 * only serialises it).
 */
export interface MetricsSource {
  snapshot(): unknown;
}

/**
 * `GET /api/metrics`: the same metrics the Lambda functions write to CloudWatch (names and
 * dimensions of functions/app/ports/metrics.ts), counted by this process since it started, as
 * `{ counters: [{ name, dimensions, value }], latencies: [{ name, dimensions, count, min, max,
 * mean, p50, p99 }] }`. Empty lists when the console has no source (the console in AWS, whose
 * metrics are in CloudWatch).
 */
export async function getMetrics(ctx: { metrics?: MetricsSource }): Promise<Response> {
  return jsonResponse(200, ctx.metrics?.snapshot() ?? { counters: [], latencies: [] });
}
