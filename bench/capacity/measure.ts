/**
 * The measured pass of the capacity model: the whole local runtime (the production handlers and
 * use cases, DynamoDB Local, the Twilio and SendGrid sandboxes) on a fixture project of its own —
 * one SMS rule, one email rule, a threshold rule — drives a few hundred messages, replies and
 * counted events, and records every DynamoDB call by the partition it lands on with the units
 * DynamoDB reports. The model multiplies these per-unit figures by the traffic; nothing here is
 * a figure typed by hand.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { recordAccesses } from './access-recorder.ts';
import { type Profile, ProfileSchema, type Work } from './profile.ts';

/** A Tuesday, 10:00 in Stockholm: inside every window. */
const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' });
/** The number the local runtime's Twilio sandbox sends from (replies go to it). */
const OUR_NUMBER = '+46766861004';

const RULES: Record<string, string[]> = {
  'cap-sms': [
    'id: cap-sms',
    'description: Capacity pass, an SMS at once (fixture).',
    'on:',
    '  source: [acme.capacity]',
    '  detail-type: [SmsWanted]',
    'send: immediately',
    'window: always',
    'channels: [sms]',
    'template: cap-sms',
    'dedupe:',
    '  key: "{{ detail.ref }}"',
    '  horizon: P1D',
  ],
  'cap-email': [
    'id: cap-email',
    'description: Capacity pass, an email at once (fixture).',
    'on:',
    '  source: [acme.capacity]',
    '  detail-type: [EmailWanted]',
    'send: immediately',
    'window: always',
    'channels: [email]',
    'template: cap-email',
  ],
  'cap-reminder': [
    'id: cap-reminder',
    'description: Capacity pass, a reminder an hour before a time in the event, cancelled by a closing event (fixture).',
    'on:',
    '  source: [acme.capacity]',
    '  detail-type: [ReminderWanted]',
    'send:',
    '  at:',
    '    field: detail.at',
    '    offset: -PT1H',
    '  ifPast: skip',
    'window: always',
    'cancel:',
    '  on:',
    '    - source: [acme.capacity]',
    '      detail-type: [ReminderCancelled]',
    '  key: detail.ref',
    'channels: [sms]',
    'template: cap-reminder',
  ],
  'cap-spike': [
    'id: cap-spike',
    'description: Capacity pass, a threshold that is not crossed, so every event is only counted (fixture).',
    'on:',
    '  source: [acme.capacity]',
    '  detail-type: [CaseOpened]',
    'threshold:',
    '  count: 10000',
    '  within: PT1H',
    '  key: detail.problemCode',
    'to:',
    '  email: ops@acme.example',
    'send: immediately',
    'window: always',
    'channels: [email]',
    'template: cap-spike',
  ],
};

const TEMPLATES: Record<string, [string, string]> = {
  'cap-sms': ['en.sms.liquid', 'Hello {{ customer.firstName }}, ref {{ detail.ref }}.'],
  'cap-email': [
    'en.email.liquid',
    'subject: Ref {{ detail.ref }}\n--- text\nHello {{ customer.firstName }}.\n',
  ],
  'cap-reminder': ['en.sms.liquid', 'Reminder {{ detail.ref }}.'],
  'cap-spike': ['en.email.liquid', 'subject: Spike {{ alert.value }}\n--- text\n{{ alert.count }} cases.\n'],
};

function fixtureProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-capacity-'));
  mkdirSync(join(dir, 'rules'));
  for (const [id, lines] of Object.entries(RULES)) {
    writeFileSync(join(dir, 'rules', `${id}.yaml`), `${lines.join('\n')}\n`);
    const [file, body] = TEMPLATES[id] ?? ['en.sms.liquid', ''];
    mkdirSync(join(dir, 'templates', id), { recursive: true });
    writeFileSync(join(dir, 'templates', id, file), body);
  }
  writeFileSync(
    join(dir, 'nudge.config.yaml'),
    JSON.stringify({ defaults: { locale: 'en', timeZone: 'Europe/Stockholm' } }),
  );
  return dir;
}

/** How many of each unit of work the pass drives. */
export interface PassSize {
  sms: number;
  email: number;
  replies: number;
  thresholdEvents: number;
  reminders: number;
  cancels: number;
}

function phone(index: number): string {
  return `+4670${String(5_000_000 + index).padStart(7, '0')}`;
}

function journeyEvent(detailType: string, index: number, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: `cap-${detailType}-${index}`,
    'detail-type': detailType,
    source: 'acme.capacity',
    account: '111122223333',
    time: START.minus({ milliseconds: index }).toISO(),
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

function customer(index: number) {
  return {
    id: `cap-cust-${index}`,
    firstName: 'Kim',
    phone: phone(index),
    email: `kim${index}@example.se`,
    locale: 'en',
    timeZone: 'Europe/Stockholm',
  };
}

/** Runs `work` over `count` items, 10 at a time (a Lambda batch's worth). */
async function inBatches(count: number, work: (index: number) => Promise<unknown>): Promise<void> {
  for (let first = 0; first < count; first += 10) {
    const batch = Array.from({ length: Math.min(10, count - first) }, (_, offset) => work(first + offset));
    await Promise.all(batch);
  }
}

interface Phase {
  work: Work;
  count: number;
  /** Done before counting starts (what the counted work needs to exist). */
  prepare?: (runtime: LocalRuntime) => Promise<void>;
  run: (runtime: LocalRuntime) => Promise<void>;
}

/** Reminders due two hours after the pass's clock, one hour before `detail.at`. */
function reminders(
  runtime: LocalRuntime,
  prefix: string,
  count: number,
  firstCustomer: number,
): Promise<void> {
  const at = runtime.clock.now().plus({ hours: 3 }).toUTC().toISO();
  return inBatches(count, (i) =>
    runtime.evaluate(
      journeyEvent('ReminderWanted', firstCustomer + i, {
        ref: `${prefix}-${i}`,
        at,
        customer: customer(firstCustomer + i),
      }),
    ),
  );
}

function phases(size: PassSize): Phase[] {
  return [
    {
      work: 'sms',
      count: size.sms,
      run: (runtime) =>
        inBatches(size.sms, (i) =>
          runtime.evaluate(journeyEvent('SmsWanted', i, { ref: `R-${i}`, customer: customer(i) })),
        ),
    },
    {
      work: 'email',
      count: size.email,
      run: (runtime) =>
        inBatches(size.email, (i) =>
          runtime.evaluate(
            journeyEvent('EmailWanted', i, { ref: `E-${i}`, customer: customer(100_000 + i) }),
          ),
        ),
    },
    {
      // Customers of the SMS phase answer YES: correlated through the address index.
      work: 'reply',
      count: size.replies,
      run: (runtime) =>
        inBatches(size.replies, (i) =>
          runtime.twilio.sendInbound({ from: phone(i), to: OUR_NUMBER, body: 'YES' }),
        ),
    },
    {
      // Planned for later, then the clock moves past their time and the schedules fire.
      work: 'reminder',
      count: size.reminders,
      run: async (runtime) => {
        await reminders(runtime, 'RM', size.reminders, 300_000);
        runtime.clock.advance({ hours: 3 });
        await runtime.drain();
      },
    },
    {
      // The reminders exist before counting; a closing event per reminder is what is counted.
      work: 'cancel',
      count: size.cancels,
      prepare: (runtime) => reminders(runtime, 'RC', size.cancels, 400_000),
      run: (runtime) =>
        inBatches(size.cancels, (i) =>
          runtime.evaluate(
            journeyEvent('ReminderCancelled', 400_000 + i, {
              ref: `RC-${i}`,
              customer: customer(400_000 + i),
            }),
          ),
        ),
    },
    {
      work: 'threshold',
      count: size.thresholdEvents,
      run: (runtime) =>
        inBatches(size.thresholdEvents, (i) =>
          runtime.evaluate(
            journeyEvent('CaseOpened', i, { problemCode: 'HOT', customer: customer(200_000 + i) }),
          ),
        ),
    },
  ];
}

function describeSize(size: PassSize): string {
  return `${size.sms} SMS, ${size.email} emails, ${size.reminders} reminders, ${size.cancels} cancels, ${size.replies} replies, ${size.thresholdEvents} threshold events`;
}

/** Runs the measured pass (about a minute here, DynamoDB Local's start included). */
export async function measureProfile(size: PassSize, progress: (line: string) => void): Promise<Profile> {
  const projectDir = fixtureProject();
  const runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
  try {
    const recorder = recordAccesses(runtime.dynamoClient);
    const work: Partial<Profile['work']> = {};
    const outcomes: Partial<Record<Work, number>> = {};
    const callbacks: Partial<Record<Work, number>> = {};
    const sentOutcomes: Partial<Record<Work, number>> = {};
    let thresholdEntryBytes = Number.NaN;
    // Warm-up: table, caches, JIT; not counted.
    await inBatches(10, (i) =>
      runtime.evaluate(
        journeyEvent('SmsWanted', 900_000 + i, { ref: `W-${i}`, customer: customer(900_000 + i) }),
      ),
    );
    await runtime.settle();
    const webhooks = () => runtime.twilio.callbacks().length + runtime.sendgrid.eventDeliveries().length;
    for (const phase of phases(size)) {
      progress(`capacity: measuring ${phase.count} × ${phase.work}…`);
      await phase.prepare?.(runtime);
      await runtime.settle();
      recorder.reset();
      const before = { outcomes: runtime.outcomes().length, webhooks: webhooks() };
      const sentBefore = runtime.outcomes().filter((o) => o['detail-type'] === 'MessageSent').length;
      await phase.run(runtime);
      await runtime.settle();
      work[phase.work] = {
        samples: phase.count,
        operations: recorder.operations(phase.count),
        accesses: recorder.accesses(phase.count),
      };
      outcomes[phase.work] = (runtime.outcomes().length - before.outcomes) / phase.count;
      sentOutcomes[phase.work] =
        (runtime.outcomes().filter((o) => o['detail-type'] === 'MessageSent').length - sentBefore) /
        phase.count;
      callbacks[phase.work] = (webhooks() - before.webhooks) / phase.count;
      if (phase.work === 'threshold') {
        const sizes = [...(recorder.putSizes().get('table:THRESHOLD') ?? [])].sort((a, b) => a - b);
        thresholdEntryBytes = sizes[Math.floor(sizes.length / 2)] ?? Number.NaN;
      }
    }
    recorder.stop();
    return ProfileSchema.parse({
      source: `measured now: the local runtime on ${runtime.dynamodbEngine}, ${describeSize(size)} (bench/capacity/measure.ts)`,
      measuredAt: new Date().toISOString(),
      work,
      outcomeEvents: outcomes,
      sentOutcomeEvents: sentOutcomes,
      callbacks,
      thresholdEntryBytes,
    });
  } finally {
    await runtime.stop();
    rmSync(projectDir, { recursive: true, force: true });
  }
}
