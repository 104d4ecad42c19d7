import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountQuota, LIMITS } from '../../../bench/capacity/limits.ts';
import { partitionRows, type Row } from '../../../bench/capacity/model.ts';
import { type KeyFunctions, TABLE_KEYS } from '../../../bench/capacity/partitions.ts';
import type { Profile } from '../../../bench/capacity/profile.ts';
import { capacityRows, limitsTable } from '../../../bench/capacity/render.ts';
import { sizeDeployment, sizedSettings } from '../../../bench/capacity/sizing.ts';
import { DEFAULT_TRAFFIC, readTraffic, type Traffic } from '../../../bench/capacity/traffic.ts';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { DEFAULT_SENDER_MPS } from '../../../functions/core/messages/sender-rate.ts';
import { parseSettings } from '../../../infra/settings.ts';

// A tiny traffic model and a hand-written profile: every expected figure below is worked out by
// hand in the comment beside it, not taken from the model's output.
const TRAFFIC: Traffic = {
  ...DEFAULT_TRAFFIC,
  messagesPerSecond: 100, // 60 SMS + 40 email, no reminders
  smsShare: 0.6,
  reminderShare: 0,
  replyShare: 0.1, // 6 replies/s
  thresholdEventsPerSecond: 5,
  thresholdWindowSeconds: 60,
  thresholdCount: 100,
  thresholdCooldownSeconds: 60,
  rejectedPerSecond: 10,
  rejectedBytes: 824, // + 200 bytes of keys = 1,024: one write unit
  windowHeldHours: 0.01, // 36 s of traffic
  windowHeldShare: 0.5,
  windowReleaseSeconds: 10,
  segmentsPerSms: 2,
  twilioSender: 'short-code',
  twilioSenders: 2,
  evaluateMs: 50,
  sendMs: 350,
  webhookMs: 30,
  journeyEventsPerCall: 1,
};

const PROFILE: Profile = {
  source: 'hand-written for the test',
  measuredAt: '2026-12-05T00:00:00.000Z',
  work: {
    sms: {
      samples: 1,
      operations: {},
      accesses: [
        { target: 'index:outbox', op: 'write', calls: 1, units: 1, windowCount: false },
        { target: 'table:MSG', op: 'write', calls: 4, units: 8, windowCount: false },
      ],
    },
    email: {
      samples: 1,
      operations: {},
      accesses: [
        { target: 'index:outbox', op: 'write', calls: 1, units: 1, windowCount: false },
        { target: 'table:MSG', op: 'write', calls: 4, units: 12, windowCount: false },
      ],
    },
    reminder: {
      samples: 1,
      operations: {},
      accesses: [{ target: 'index:lifecycle', op: 'write', calls: 2, units: 2, windowCount: false }],
    },
    cancel: { samples: 1, operations: {}, accesses: [] },
    reply: {
      samples: 1,
      operations: {},
      accesses: [{ target: 'table:REPLY', op: 'write', calls: 1, units: 1, windowCount: false }],
    },
    threshold: {
      samples: 1,
      operations: {},
      accesses: [
        { target: 'table:THRESHOLD', op: 'write', calls: 1, units: 1, windowCount: false },
        { target: 'table:THRESHOLD', op: 'read', calls: 1, units: 1, windowCount: true },
      ],
    },
  },
  outcomeEvents: { sms: 2, email: 2, reminder: 2, cancel: 1, reply: 1, threshold: 0 },
  // Of those, the send step's MessageSent: one per message sent.
  sentOutcomeEvents: { sms: 1, email: 1, reminder: 1, cancel: 0, reply: 0, threshold: 0 },
  callbacks: { sms: 2, email: 1, reminder: 2, cancel: 0, reply: 1, threshold: 0 },
  thresholdEntryBytes: 205,
};

function find(rows: ReadonlyArray<Row>, scenario: Row['scenario'], name: string): Row {
  const found = rows.find((row) => row.scenario === scenario && row.name === name);
  if (found === undefined)
    throw new Error(`no row ${scenario} / ${name} in ${rows.map((r) => r.name).join(', ')}`);
  return found;
}

describe('the capacity model, against hand arithmetic on a tiny traffic model', () => {
  const rows = capacityRows(TRAFFIC, PROFILE, TABLE_KEYS);

  it('charges a one-partition outbox all of a month, the sharded one a part, and each message its own MSG partition', () => {
    // outbox: (60 + 40) messages/s × 1 WCU, all on OUTBOX#2026-11 → 100 WCU/s of 1,000.
    const onePartition = capacityRows(TRAFFIC, PROFILE, {
      ...TABLE_KEYS,
      'index:outbox': () => 'OUTBOX#2026-11',
    });
    const single = find(onePartition, 'sustained', 'index:outbox writes');
    expect(single.load).toBeCloseTo(100, 6);
    expect(single.share).toBeCloseTo(0.1, 6);
    // The real design spreads them over 64 shards by message id: the busiest carries at least
    // 100 / 64 and, for 100 distinct ids, far less than all of them.
    const outbox = find(rows, 'sustained', 'index:outbox writes');
    expect(outbox.load).toBeGreaterThanOrEqual(100 / 64);
    expect(outbox.load).toBeLessThanOrEqual(25);
    // MSG#<id>: one message a partition, and an SMS and an email are different messages, so the
    // busiest partition is one email's 12 WCU (not an SMS's 8 added to it: loads add per key).
    expect(find(rows, 'sustained', 'table:MSG writes').load).toBeCloseTo(12, 6);
  });

  it('charges a threshold COUNT at most the threshold per decision, once per cooldown, rounded up to 4 KB', () => {
    // 5 events/s × 60 s = 300 entries in the window, over the threshold of 100: the key crosses
    // and then holds its 60 s cooldown. Per cooldown: one decision of 100 entries × 205 B =
    // 20,500 B → 6 RCU, and the alert's count of 300 × 205 B = 61,500 B → 16 RCU: 22 RCU over
    // 5 × 60 = 300 events; × 5 events/s = 110 / 300 RCU/s on THRESHOLD#<rule>#<hot value>.
    const count = find(rows, 'sustained', 'table:THRESHOLD reads (COUNT, bounded by the threshold)');
    expect(count.load).toBeCloseTo(110 / 300, 6);
    expect(count.share).toBeCloseTo(110 / 300 / 3_000, 6);
    // A threshold the window never reaches (1,000 > 300): every event counts the whole window,
    // 16 RCU × 5 events/s = 80 RCU/s.
    const never = capacityRows({ ...TRAFFIC, thresholdCount: 1_000 }, PROFILE, TABLE_KEYS);
    expect(
      find(never, 'sustained', 'table:THRESHOLD reads (COUNT, bounded by the threshold)').load,
    ).toBeCloseTo(80, 6);
    // Rejected inputs on one REJECTED#<month> partition: 10/s × 1 WCU; sharded, the busiest
    // shard carries fewer.
    const onePartition = capacityRows(TRAFFIC, PROFILE, {
      ...TABLE_KEYS,
      'table:REJECTED': () => 'REJECTED#2026-11',
    });
    expect(find(onePartition, 'sustained', 'table:REJECTED writes').load).toBeCloseTo(10, 6);
    expect(find(rows, 'sustained', 'table:REJECTED writes').load).toBeLessThan(10);
  });

  it('adds up PutEvents calls, Lambda concurrency, the release path and Twilio load', () => {
    // Outcomes 60×2 + 40×2 + 6×1 = 206: the send step's 60 + 40 = 100 in calls of 5 (its SQS
    // batch) = 20, the webhook's 106 relayed in calls of 10 = 10.6; journey events 100 + 5 = 105,
    // one per call → 135.6 calls/s.
    expect(find(rows, 'sustained', 'EventBridge PutEvents calls').load).toBeCloseTo(135.6, 6);
    // evaluate 105 × 0.05 = 5.25; send 100 × 0.35 ÷ batch 5 = 7 (a batch is sent in parallel);
    // webhook (120 + 40 + 6) × 0.03 = 4.98; relay 106 ÷ batch 100 × 0.2 s = 0.212.
    expect(find(rows, 'sustained', 'Lambda concurrent executions (account)').load).toBeCloseTo(17.442, 6);
    // Held: 100/s × 3,600 s × 0.01 h × 0.5 = 1,800 messages over 10 s = 180 due/s at the opening,
    // each enqueued by two overlapping sweeps, ten a SendMessageBatch: 36 calls/s.
    expect(find(rows, 'window opening', 'SQS SendMessageBatch (release sweeps)').load).toBeCloseTo(36, 6);
    // Eight shard groups, one sweep a minute each, whatever the traffic; no Scheduler call at all.
    expect(find(rows, 'sustained', 'EventBridge rule invocations (release sweeps)').load).toBeCloseTo(
      8 / 60,
      6,
    );
    expect(rows.filter((r) => r.name.startsWith('Scheduler'))).toEqual([]);
    // 50 deferred/s, one index write each; all on one partition if the index had one shard.
    const oneShard = capacityRows(TRAFFIC, PROFILE, { ...TABLE_KEYS, 'index:release': () => 'REL#0' });
    expect(
      find(oneShard, 'held hours', 'index:release writes (messages deferred by a closed window)').load,
    ).toBeCloseTo(50, 6);
    expect(
      find(rows, 'held hours', 'index:release writes (messages deferred by a closed window)').load,
    ).toBeLessThan(50);
    // Twilio: 60 SMS/s × 2 segments = 120 over 2 short codes = 60 per sender of 100 → 60 %:
    // marked, and ceil(120 / 50) = 3 short codes keep it under half.
    const twilio = find(rows, 'sustained', 'Twilio segments per sender (rate guard)');
    expect(twilio.load).toBeCloseTo(60, 6);
    expect(twilio.share).toBeCloseTo(0.6, 6);
    expect(twilio.fix).toContain('≥ 3 senders');
  });

  it('puts every reminder in the release index and out again, and enqueues it twice in batches', () => {
    // 100 messages/s of which half are reminders: 50/s; 10 % cancelled: 5/s;
    // the other 45 are released and reach Twilio with the 30 SMS sent at once
    // (50 × 0.6): 75 SMS/s × 2 segments = 150 segments/s.
    const reminders = capacityRows({ ...TRAFFIC, reminderShare: 0.5, cancelShare: 0.1 }, PROFILE, TABLE_KEYS);
    // In the release index when scheduled, out when claimed (or cancelled): 2 writes a reminder;
    // enqueued by two overlapping sweeps, ten a call: 10 SendMessageBatch/s.
    const oneShard = capacityRows({ ...TRAFFIC, reminderShare: 0.5, cancelShare: 0.1 }, PROFILE, {
      ...TABLE_KEYS,
      'index:release': () => 'REL#0',
    });
    expect(
      find(oneShard, 'sustained', 'index:release writes (in when scheduled, out when claimed)').load,
    ).toBeCloseTo(100, 6);
    expect(find(reminders, 'sustained', 'SQS SendMessageBatch (release sweeps)').load).toBeCloseTo(10, 6);
    // 150 segments/s over the 2 senders: 75 each.
    expect(find(reminders, 'sustained', 'Twilio segments per sender (rate guard)').load).toBeCloseTo(75, 6);
    // PutEvents: outcomes 30×2 + 20×2 + 50×2 + 5×1 + 7.5×1 = 212.5, of which the send step's
    // 30 + 20 + 50 = 100 in calls of 5 = 20 and the webhook's 112.5 in calls of 10 = 11.25;
    // journey events 100 + 5 + 5 = 110 → 141.25.
    expect(find(reminders, 'sustained', 'EventBridge PutEvents calls').load).toBeCloseTo(141.25, 6);
    // In flight at the send function: (30 + 45) SMS + 20 emails = 95 sends/s × 0.35 s = 33.25
    // messages, in batches of 5 sent in parallel: 6.65 invocations.
    expect(
      find(reminders, 'sustained', 'send concurrency (SQS event source maxConcurrency)').load,
    ).toBeCloseTo(6.65, 6);
    // evaluate: (100 journey events + 5 closing events + 5 threshold events) × 0.05 s = 5.5.
    expect(find(reminders, 'sustained', 'Lambda concurrent executions (account)').load).toBeCloseTo(
      5.5 + 6.65 + (30 * 2 + 20 * 1 + 50 * 2 + 7.5 * 1) * 0.03 + (112.5 / 100) * 0.2,
      6,
    );
  });

  it('rates send concurrency against the setting and the event source maximum, and senders against their MPS', () => {
    // 10,000 messages/s at the defaults (70 % SMS of 70 % at once + 30 % reminders, 10 % of them
    // cancelled): 4,900 + 2,100 + 2,700 = 9,700 sends/s × 0.35 s ÷ 5 = 679 invocations at once.
    const big = capacityRows(
      { ...TRAFFIC, messagesPerSecond: 10_000, smsShare: 0.7, reminderShare: 0.3, cancelShare: 0.1 },
      PROFILE,
      TABLE_KEYS,
    );
    const setting = find(big, 'sustained', 'send concurrency (SQS event source maxConcurrency)');
    expect(setting.load).toBeCloseTo(679, 6);
    expect(setting.limit.value).toBe(TRAFFIC.sendMaxConcurrency);
    // 679 of the 1,000 invocations an SQS event source may run (ScalingConfig maximum).
    expect(
      find(big, 'sustained', 'SQS event source maxConcurrency of send (hard maximum)').share,
    ).toBeCloseTo(0.679, 6);
    // A configured sender rate replaces Twilio's default: 7,600 SMS/s × 2 segments over 2 senders
    // = 7,600 each, of 250/s configured.
    const configured = capacityRows(
      {
        ...TRAFFIC,
        messagesPerSecond: 10_000,
        smsShare: 0.7,
        reminderShare: 0.3,
        cancelShare: 0.1,
        twilioSenderMps: 250,
      },
      PROFILE,
      TABLE_KEYS,
    );
    expect(find(configured, 'sustained', 'Twilio segments per sender (rate guard)').share).toBeCloseTo(
      7_600 / 250,
      6,
    );
  });

  it("cites the same Twilio sender rates the send function's rate guard defaults to", () => {
    expect(DEFAULT_SENDER_MPS['long-code']).toBe(LIMITS.twilioLongCode.value);
    expect(DEFAULT_SENDER_MPS['toll-free']).toBe(LIMITS.twilioTollFree.value);
    expect(DEFAULT_SENDER_MPS['short-code']).toBe(LIMITS.twilioShortCode.value);
    expect(DEFAULT_SENDER_MPS.alphanumeric).toBe(LIMITS.twilioAlphanumeric.value);
  });

  it('sorts the rows by share of their limit, highest first', () => {
    const shares = rows.map((row) => row.share).filter((share) => !Number.isNaN(share));
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
  });
});

describe('sizing a deployment (npm run capacity -- --size)', () => {
  // The 10,000 messages/s of the defaults on the hand-written profile: 9,700 sends/s (see above).
  const BIG: Traffic = {
    ...TRAFFIC,
    messagesPerSecond: 10_000,
    smsShare: 0.7,
    reminderShare: 0.3,
    cancelShare: 0.1,
  };
  const sizing = sizeDeployment(BIG, PROFILE, TABLE_KEYS);

  it('sizes the batch, the sender pool and the send concurrency by hand arithmetic', () => {
    // Event source maximum: 9,700 × 0.35 s ÷ batch 5 = 679 of 1,000; batch 6 leaves 566 (above
    // half), batch 7 leaves 485.
    expect(sizing.traffic.sendBatchSize).toBe(7);
    // 7,600 SMS/s × 2 segments = 15,200 segments/s; half of a short code's 100/s each → 304.
    expect(sizing.traffic.twilioSenders).toBe(304);
    // 485 invocations at once at batch 7 are half of a setting of 970.
    expect(sizing.traffic.sendMaxConcurrency).toBe(970);
  });

  it('leaves no row a deployment choice moves above half, and quota rows say what they were raised from', () => {
    const over = sizing.rows.filter((row) => row.knob !== undefined && row.share > 0.5);
    expect(over.map((row) => `${row.name} ${row.share}`)).toEqual([]);
    const lambda = find(sizing.rows, 'sustained', 'Lambda concurrent executions (account)');
    expect(lambda.limit.raisedFrom).toBe(LIMITS.lambdaConcurrency.value);
    expect(lambda.limit.value).toBe(sizing.traffic.lambdaConcurrencyQuota);
    // The stated traffic is unchanged, and at it those rows were above half.
    expect(BIG.sendBatchSize).toBe(TRAFFIC.sendBatchSize);
    const before = capacityRows(BIG, PROFILE, TABLE_KEYS);
    expect(before.some((row) => row.knob !== undefined && row.share > 0.5)).toBe(true);
  });

  it('says it in settings the deployment and the config accept', () => {
    const settings = sizedSettings(sizing);
    const parsed = parseSettings(settings.context);
    expect(parsed.sendBatchSize).toBe(7);
    expect(parsed.sendConcurrency).toBe(970);
    // The pool's sum, 304 × 100 segments/s, for any sender of the deployment.
    expect(parsed.twilioSenderMps).toEqual({ '*': 30_400 });
    if (settings.spread !== undefined) {
      const engine = EngineSettingsSchema.parse({ windowOpening: { spread: settings.spread } });
      expect(engine.windowOpening.spread).toBe(settings.spread);
    }
  });

  it('sizes nothing for a traffic that fits', () => {
    const small: Traffic = { ...TRAFFIC, messagesPerSecond: 1, windowHeldHours: 0 };
    expect(sizeDeployment(small, PROFILE, TABLE_KEYS).steps).toEqual([]);
  });

  it('raises an adjustable quota and refuses to raise a hard limit', () => {
    expect(accountQuota(LIMITS.lambdaConcurrency, 5_000)).toMatchObject({ value: 5_000, raisedFrom: 1_000 });
    expect(() => accountQuota(LIMITS.sqsEventSourceMaxConcurrency, 2_000)).toThrow(/hard limit/);
  });
});

describe('the model reads the key functions', () => {
  it('a key function that shards the outbox by 10 makes its busiest partition carry a tenth', () => {
    // Arrange: one partition a month, and the same with OUTBOX#<month>#<0..9>.
    const monthly: KeyFunctions = {
      ...TABLE_KEYS,
      'index:outbox': (item) => `OUTBOX#${item.at.slice(0, 7)}`,
    };
    const sharded: KeyFunctions = {
      ...TABLE_KEYS,
      'index:outbox': (item) => `OUTBOX#${item.at.slice(0, 7)}#${item.sequence % 10}`,
    };

    // Act
    const real = find(partitionRows(TRAFFIC, PROFILE, monthly), 'sustained', 'index:outbox writes');
    const shardedRow = find(partitionRows(TRAFFIC, PROFILE, sharded), 'sustained', 'index:outbox writes');

    // Assert: 100 WCU/s on one partition → 10 WCU/s on each of ten.
    expect(real.load).toBeCloseTo(100, 6);
    expect(shardedRow.load).toBeCloseTo(10, 6);
  });
});

describe('the traffic model', () => {
  it('takes flags over the defaults and names a field it refuses', () => {
    const traffic = readTraffic(
      new Map([
        ['messages-per-second', '2000'],
        ['twilio-sender', 'toll-free'],
      ]),
    );
    expect(traffic.messagesPerSecond).toBe(2_000);
    expect(traffic.twilioSender).toBe('toll-free');
    expect(traffic.smsShare).toBe(DEFAULT_TRAFFIC.smsShare);
    expect(() => readTraffic(new Map([['sms-share', '2']]))).toThrow(/smsShare/);
  });

  it('reads a YAML traffic file, and a flag still wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-capacity-traffic-'));
    const file = join(dir, 'traffic.yaml');
    writeFileSync(file, 'messagesPerSecond: 500\nsmsShare: 0.2\n');
    try {
      const traffic = readTraffic(new Map([['messages-per-second', '600']]), file);
      expect(traffic.messagesPerSecond).toBe(600);
      expect(traffic.smsShare).toBe(0.2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/capacity.md cites every limit the model divides by', () => {
  it('lists each limit with its value and source, as generated from the limits module', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'capacity.md'), 'utf8');
    for (const limit of Object.values(LIMITS)) expect(docs).toContain(limit.source);
    expect(docs).toContain(limitsTable());
  });
});
