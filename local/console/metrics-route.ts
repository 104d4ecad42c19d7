import type { ServerResponse } from 'node:http';
import type { MetricsSnapshot } from '../../functions/adapters/metrics/memory-metrics.ts';
import { sendJson } from './http-io.ts';

/** Where the console reads the metrics from: the local runtime's in-memory metrics port. */
export interface MetricsSource {
  snapshot(): MetricsSnapshot;
}

/**
 * `GET /api/metrics`: the same metrics the Lambda functions write to CloudWatch (names and
 * dimensions of functions/app/ports/metrics.ts), counted by this process since it started, as
 * `{ counters: [{ name, dimensions, value }], latencies: [{ name, dimensions, count, min, max,
 * mean, p50, p99 }] }`. Empty lists when the console has no source (a console without a runtime).
 */
export async function getMetrics(ctx: { res: ServerResponse; metrics?: MetricsSource }): Promise<void> {
  sendJson(ctx.res, 200, ctx.metrics?.snapshot() ?? { counters: [], latencies: [] });
}
