// The metrics port's two adapters. Powertools: what reaches stdout is CloudWatch Embedded Metric
// Format (the EMF specification: `_aws.CloudWatchMetrics[].{Namespace, Dimensions, Metrics}` and
// the values as top-level members), one line per dimension set, each dimensioned line also
// naming the service-only set the alarms use. Memory: the totals and latency summary the local
// console serves.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryMetrics } from '../../../functions/adapters/metrics/memory-metrics.ts';
import { PowertoolsMetrics } from '../../../functions/adapters/metrics/powertools-metrics.ts';
import { metricReason } from '../../../functions/app/ports/metrics.ts';

/** Every EMF object written to stdout while `run` runs. */
function emfLines(
  run: () => void,
): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));
}

afterEach(() => vi.restoreAllMocks());

describe('PowertoolsMetrics (EMF)', () => {
  it('writes one line per dimension set, counts summed, latencies as samples, with the service roll-up', () => {
    const metrics = new PowertoolsMetrics({ namespace: 'Nudge/test', serviceName: 'nudge-send' });
    metrics.add('MessagesSuppressed', { reason: 'frequency-cap' });
    metrics.add('MessagesSuppressed', { reason: 'frequency-cap' });
    metrics.add('MessagesSent', { channel: 'sms' });
    metrics.add('ProviderLatency', { channel: 'sms' }, 120);
    metrics.add('ProviderLatency', { channel: 'sms' }, 80);

    const lines = emfLines(() => metrics.flush());

    expect(lines).toHaveLength(2);
    const suppressed = lines.find((line) => 'MessagesSuppressed' in line);
    expect(suppressed?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Nudge/test',
        Dimensions: [['service', 'reason'], ['service']],
        Metrics: [{ Name: 'MessagesSuppressed', Unit: 'Count' }],
      },
    ]);
    expect(suppressed).toMatchObject({
      service: 'nudge-send',
      reason: 'frequency-cap',
      MessagesSuppressed: 2,
    });
    const sms = lines.find((line) => 'MessagesSent' in line);
    expect(sms).toMatchObject({ channel: 'sms', MessagesSent: 1, ProviderLatency: [120, 80] });
    expect(JSON.stringify(sms?._aws.CloudWatchMetrics)).toContain('"Unit":"Milliseconds"');
  });

  it('forgets what it flushed: a second flush writes nothing', () => {
    const metrics = new PowertoolsMetrics({ namespace: 'Nudge/test', serviceName: 'nudge-send' });
    metrics.add('EventsReceived');
    expect(emfLines(() => metrics.flush())).toHaveLength(1);
    expect(emfLines(() => metrics.flush())).toHaveLength(0);
  });
});

describe('MemoryMetrics', () => {
  it('totals counts over dimensions and summarises latency', () => {
    const metrics = new MemoryMetrics();
    metrics.add('MessagesFailed', { reason: 'network' });
    metrics.add('MessagesFailed', { reason: 'network' });
    metrics.add('MessagesFailed', { reason: 'provider-refused' });
    for (const ms of [10, 20, 30, 40]) metrics.add('ProviderLatency', { channel: 'email' }, ms);

    expect(metrics.total('MessagesFailed')).toBe(3);
    expect(metrics.total('MessagesFailed', { reason: 'network' })).toBe(2);
    expect(metrics.snapshot().latencies).toEqual([
      {
        name: 'ProviderLatency',
        dimensions: { channel: 'email' },
        count: 4,
        min: 10,
        max: 40,
        mean: 25,
        p50: 20,
        p99: 40,
      },
    ]);
  });
});

describe('metricReason keeps the reason dimension a closed set', () => {
  it.each([
    ['frequency-cap', 'frequency-cap'],
    ['twilio-21606', 'provider-refused'],
    ['sendgrid-400', 'provider-refused'],
    ['something a provider said once', 'other'],
  ])('%s → %s', (reason, expected) => {
    expect(metricReason(reason)).toBe(expected);
  });
});
