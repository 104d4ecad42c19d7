import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime/local-runtime.ts';

// Guarantee: the local PutEvents endpoint does not let ingest run ahead of sending. With the send
// step slowed down (every Twilio call takes 100 ms), many concurrent producers never have more
// than the bound of events answered but not yet accepted by the provider, and every event put
// still becomes exactly one SMS.
const BACKLOG_LIMIT = 5;
const PRODUCERS = 40;
const SMS_LATENCY_MS = 100;

let projectDir: string;
let runtime: LocalRuntime;
let bus: EventBridgeClient;

/** A project of one rule: every `Ping` is an urgent SMS, sent at once. */
function pingProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-back-pressure-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'ping'), { recursive: true });
  writeFileSync(
    join(dir, 'rules', 'ping.yaml'),
    [
      'id: ping',
      'description: One SMS per ping, at once.',
      'urgent: true',
      'on:',
      '  source: [test.pinger]',
      '  detail-type: [Ping]',
      'send: immediately',
      'window: always',
      'channels: [sms]',
      'template: ping',
      'examples:',
      '  - detail: { pingId: P-1 }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'templates', 'ping', 'en.sms.liquid'), 'Ping {{ detail.pingId }}\n');
  return dir;
}

beforeAll(async () => {
  projectDir = pingProject();
  runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    ports: { console: 0, events: 0 },
    // Held, never refused, however slow this shared machine is today.
    sendBacklog: { limit: BACKLOG_LIMIT, maxWaitMs: 600_000 },
  });
  runtime.twilio.faults.setLatency(SMS_LATENCY_MS);
  bus = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Held requests are answered late, not refused: no retries needed, and none hide a loss.
    maxAttempts: 1,
    requestHandler: { requestTimeout: 600_000 },
  });
}, 120_000);

afterAll(async () => {
  bus?.destroy();
  await runtime?.stop();
  if (projectDir !== undefined) rmSync(projectDir, { recursive: true, force: true });
});

describe('back-pressure on the local PutEvents endpoint', () => {
  it('many concurrent producers against a slow provider: the backlog stays under the bound, nothing is lost', async () => {
    // Arrange
    let acknowledged = 0;
    let peakBacklog = 0;
    const sample = () => {
      peakBacklog = Math.max(peakBacklog, acknowledged - runtime.twilio.messages().length);
    };
    const sampler = setInterval(sample, 2);
    const put = async (n: number) => {
      const answer = await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'test.pinger',
              DetailType: 'Ping',
              Detail: JSON.stringify({
                pingId: `P-${n}`,
                customer: { id: `cust-bp-${n}`, phone: `+4670${String(n).padStart(7, '0')}`, locale: 'en' },
              }),
            },
          ],
        }),
      );
      sample();
      if ((answer.FailedEntryCount ?? 0) === 0) acknowledged++;
      return answer.FailedEntryCount ?? 0;
    };

    // Act
    const failed = await Promise.all(Array.from({ length: PRODUCERS }, (_, n) => put(n)));
    await runtime.settle();
    clearInterval(sampler);
    sample();

    // Assert
    const sent = runtime.twilio.messages().map((sms) => sms.body);
    expect(failed.every((count) => count === 0)).toBe(true);
    expect(acknowledged).toBe(PRODUCERS);
    expect(new Set(sent)).toEqual(new Set(Array.from({ length: PRODUCERS }, (_, n) => `Ping P-${n}`)));
    expect(sent).toHaveLength(PRODUCERS);
    expect(peakBacklog).toBeGreaterThan(0);
    expect(peakBacklog).toBeLessThanOrEqual(BACKLOG_LIMIT);
  }, 600_000);
});
