import fc from 'fast-check';
import { DateTime, Duration } from 'luxon';

/**
 * Generated rules, customers and event streams for the consent / window / cap guarantees, and
 * the three checks, written here from the rule language's definition (docs/rules.md) rather than
 * with the engine's own functions.
 */

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Channel = 'sms' | 'email';

/** A window as a rule states it; `days` absent = every day. End is exclusive; 1440 = 24:00. */
interface WindowSpec {
  days?: ReadonlyArray<(typeof WEEKDAYS)[number]>;
  start: number;
  end: number;
  outside: 'defer' | 'drop';
}

interface RuleSpec {
  id: string;
  trigger: string;
  urgent: boolean;
  send:
    | { kind: 'immediately' }
    | { kind: 'after'; minutes: number }
    | { kind: 'at'; offset: string; time?: string; ifPast: 'skip' | 'send-now' };
  /** `undefined` = the configured default window. */
  window: 'always' | WindowSpec | undefined;
  channels: ReadonlyArray<Channel>;
  cancellable: boolean;
}

interface CustomerSpec {
  id: string;
  zone: string;
  phone?: string;
  email?: string;
}

export interface Scenario {
  rules: RuleSpec[];
  cap: { max: number; per: string };
  defaultWindow: WindowSpec;
  customers: CustomerSpec[];
  /** Events in time order, every time distinct. */
  events: Array<Record<string, unknown> & { id: string; time: string; detail: Record<string, unknown> }>;
  /** The DST change the stream is built around (the first of them, for a stream over all four). */
  anchor: { label: string; at: DateTime };
}

/** The four daylight-saving changes of 2027 in Europe/Stockholm and America/New_York. */
export const DST_CHANGES = [
  {
    label: 'New York, spring forward 14 March',
    at: DateTime.fromISO('2027-03-14T07:00:00Z', { zone: 'utc' }),
  },
  {
    label: 'Stockholm, spring forward 28 March',
    at: DateTime.fromISO('2027-03-28T01:00:00Z', { zone: 'utc' }),
  },
  { label: 'Stockholm, fall back 31 October', at: DateTime.fromISO('2027-10-31T01:00:00Z', { zone: 'utc' }) },
  { label: 'New York, fall back 7 November', at: DateTime.fromISO('2027-11-07T06:00:00Z', { zone: 'utc' }) },
] as const;

const PHONES: Readonly<Record<string, ReadonlyArray<string>>> = {
  'Europe/Stockholm': [
    '+46701234561',
    '+46701234562',
    '+46701234563',
    '+46701234564',
    '+46701234565',
    '+46701234566',
  ],
  'America/New_York': [
    '+19174441231',
    '+19174441232',
    '+19174441233',
    '+19174441234',
    '+19174441235',
    '+19174441236',
  ],
};

const hhmm = (minute: number) =>
  minute === 1440
    ? '24:00'
    : `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const windowArb: fc.Arbitrary<WindowSpec> = fc
  .record({
    days: fc.option(fc.subarray([...WEEKDAYS], { minLength: 1 }), { nil: undefined }),
    // Starts in the small hours too, so openings fall into the hour a spring-forward skips.
    start: fc.integer({ min: 0, max: 22 * 4 }).map((quarter) => quarter * 15),
    length: fc.integer({ min: 1, max: 20 * 4 }).map((quarters) => quarters * 15),
    outside: fc.constantFrom<'defer' | 'drop'>('defer', 'defer', 'drop'),
  })
  .map(({ days, start, length, outside }) => ({
    ...(days === undefined ? {} : { days }),
    start,
    end: Math.min(start + length, 1440),
    outside,
  }));

const ruleArb = (index: number): fc.Arbitrary<RuleSpec> =>
  fc.record({
    id: fc.constant(`r${index}`),
    trigger: fc.constantFrom('T0', 'T1', 'T2'),
    urgent: fc.boolean(),
    send: fc.oneof(
      fc.constant({ kind: 'immediately' as const }),
      fc
        .integer({ min: 1, max: 36 * 4 })
        .map((quarters) => ({ kind: 'after' as const, minutes: quarters * 15 })),
      fc.record({
        kind: fc.constant('at' as const),
        offset: fc.constantFrom('-P1D', '-PT24H', '-PT6H', '-PT90M', 'PT0S', '-P2D'),
        time: fc.option(fc.constantFrom('02:30', '09:30', '10:00', '19:45', '23:30'), { nil: undefined }),
        ifPast: fc.constantFrom<'skip' | 'send-now'>('skip', 'send-now'),
      }),
    ),
    window: fc.oneof(fc.constant<'always'>('always'), windowArb, fc.constant(undefined)),
    channels: fc.constantFrom<ReadonlyArray<Channel>>(['sms'], ['email'], ['sms', 'email'], ['email', 'sms']),
    cancellable: fc.boolean(),
  });

const customerArb = (index: number): fc.Arbitrary<CustomerSpec> =>
  fc
    .record({
      zone: fc.constantFrom('Europe/Stockholm', 'America/New_York'),
      phone: fc.boolean(),
      email: fc.boolean(),
    })
    .map(({ zone, phone, email }) => ({
      id: `c${index}`,
      zone,
      ...(phone || !email ? { phone: PHONES[zone]?.[index % 6] ?? '+46701234560' } : {}),
      ...(email ? { email: `c${index}@example.com` } : {}),
    }));

const stepArb = fc.record({
  customer: fc.nat(),
  kind: fc.constantFrom('T0', 'T0', 'T1', 'T1', 'T2', 'Closed', 'OptOut', 'OptIn'),
  channel: fc.constantFrom<Channel>('sms', 'sms', 'email'),
  caseNo: fc.integer({ min: 0, max: 3 }),
  /** Minutes from two days before the DST change, over four days. */
  minute: fc.integer({ min: 0, max: 4 * 24 * 60 }),
  /** Sub-minute part, so no two events share an instant and none falls on a send's. */
  ms: fc.integer({ min: 1, max: 59_999 }),
  dueInMinutes: fc.integer({ min: -6 * 60, max: 3 * 24 * 60 }),
  /** Which DST change the event is near (scenarios over all four). */
  anchor: fc.nat(),
});

/**
 * A whole scenario: 2–6 rules, 2–6 customers, a cap, and `events` events around one DST change
 * (or, with `allChanges`, spread over all four).
 */
export function scenarioArb(
  events: { min: number; max: number },
  allChanges = false,
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      ruleCount: fc.integer({ min: 2, max: 6 }),
      customerCount: fc.integer({ min: 2, max: 6 }),
      cap: fc.record({ max: fc.integer({ min: 1, max: 3 }), per: fc.constantFrom('PT6H', 'PT12H', 'P1D') }),
      defaultWindow: windowArb,
      anchor: fc.constantFrom(...DST_CHANGES),
    })
    .chain(({ ruleCount, customerCount, cap, defaultWindow, anchor }) =>
      fc
        .record({
          rules: fc.tuple(...Array.from({ length: ruleCount }, (_, index) => ruleArb(index))),
          customers: fc.tuple(...Array.from({ length: customerCount }, (_, index) => customerArb(index))),
          steps: fc.array(stepArb, { minLength: events.min, maxLength: events.max }),
        })
        .map(({ rules, customers, steps }) => ({
          rules: [...rules],
          cap,
          defaultWindow: { ...defaultWindow, outside: 'defer' as const },
          customers: [...customers],
          anchor,
          events: toEvents(
            [...customers],
            steps,
            allChanges ? DST_CHANGES.map((change) => change.at) : [anchor.at],
          ),
        })),
    );
}

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function toEvents(
  customers: CustomerSpec[],
  steps: ReadonlyArray<Step>,
  anchors: ReadonlyArray<DateTime>,
): Scenario['events'] {
  const used = new Set<number>();
  const events = steps.map((step, index) => {
    const customer = customers[step.customer % customers.length] ?? customers[0];
    const start = (anchors[step.anchor % anchors.length] ?? anchors[0] ?? DateTime.utc()).minus({ days: 2 });
    let ms = start.toMillis() + step.minute * 60_000 + step.ms;
    while (used.has(ms)) ms++;
    used.add(ms);
    const time = DateTime.fromMillis(ms, { zone: 'utc' });
    const consent =
      step.kind === 'OptOut'
        ? { [step.channel]: false }
        : step.kind === 'OptIn'
          ? { [step.channel]: true }
          : undefined;
    return {
      version: '0',
      id: `e${index}`,
      'detail-type': step.kind === 'OptOut' || step.kind === 'OptIn' ? 'Preferences' : step.kind,
      source: 'acme.gen',
      account: '111122223333',
      time: time.toISO() ?? '',
      region: 'eu-north-1',
      resources: [],
      detail: {
        caseId: `${customer?.id}-case${step.caseNo}`,
        dueAt: time.plus({ minutes: step.dueInMinutes }).toISO(),
        customer: {
          id: customer?.id ?? 'c0',
          firstName: 'Kim',
          locale: 'en',
          timeZone: customer?.zone ?? 'Europe/Stockholm',
          ...(customer?.phone === undefined ? {} : { phone: customer.phone }),
          ...(customer?.email === undefined ? {} : { email: customer.email }),
          ...(consent === undefined ? {} : { consent }),
        },
      },
    };
  });
  return events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** The rules as YAML files, as operations staff would write them. */
export function ruleFiles(scenario: Scenario): Array<{ file: string; text: string }> {
  return scenario.rules.map((rule) => {
    const lines = [
      `id: ${rule.id}`,
      'description: A generated rule',
      `urgent: ${rule.urgent}`,
      `on: { source: [acme.gen], detail-type: [${rule.trigger}] }`,
    ];
    if (rule.send.kind === 'immediately') lines.push('send: immediately');
    else if (rule.send.kind === 'after') lines.push(`send: { after: PT${rule.send.minutes}M }`);
    else {
      const time = rule.send.time === undefined ? '' : `, time: "${rule.send.time}"`;
      lines.push(
        `send: { at: { field: detail.dueAt, offset: ${rule.send.offset}${time} }, ifPast: ${rule.send.ifPast} }`,
      );
    }
    if (rule.window === 'always') lines.push('window: always');
    else if (rule.window !== undefined) lines.push(`window: ${windowYaml(rule.window)}`);
    if (rule.cancellable)
      lines.push('cancel: { on: [{ source: [acme.gen], detail-type: [Closed] }], key: detail.caseId }');
    lines.push(`channels: [${rule.channels.join(', ')}]`, 'template: t');
    return { file: `rules/${rule.id}.yaml`, text: `${lines.join('\n')}\n` };
  });
}

function windowYaml(window: WindowSpec): string {
  const days = window.days === undefined ? '' : `days: [${window.days.join(', ')}], `;
  return `{ ${days}hours: "${hhmm(window.start)}-${hhmm(window.end)}", outside: ${window.outside} }`;
}

/** Settings for the scenario: the default window and the cap (nudge.config.yaml). */
export function settingsYaml(scenario: Scenario): string {
  const w = scenario.defaultWindow;
  return [
    'defaults:',
    '  timeZone: Europe/Stockholm',
    '  locale: en',
    '  country: SE',
    '  window:',
    `    hours: "${hhmm(w.start)}-${hhmm(w.end)}"`,
    ...(w.days === undefined ? [] : [`    days: [${w.days.join(', ')}]`]),
    'cap:',
    `  max: ${scenario.cap.max}`,
    `  per: ${scenario.cap.per}`,
    '',
  ].join('\n');
}

export const TEMPLATES: Readonly<Record<string, string>> = {
  't/en.sms.liquid': 'Hi {{ customer.firstName }}, {{ rule.id }}.',
  't/en.email.liquid': 'subject: {{ rule.id }}\n--- text\nHi {{ customer.firstName }}\n',
};

/** One message that went out, as a check needs it. */
export interface SentMessage {
  ruleId: string;
  customerId: string;
  channel: Channel;
  at: DateTime;
}

/** A consent statement that took effect at `at` (an event's time, or a STOP reply's). */
export interface ConsentStatement {
  customerId: string;
  channel: Channel;
  granted: boolean;
  at: DateTime;
}

/** Consent statements carried by the scenario's events. */
export function eventConsent(scenario: Scenario): ConsentStatement[] {
  const out: ConsentStatement[] = [];
  for (const event of scenario.events) {
    const customer = event.detail.customer;
    if (customer === null || typeof customer !== 'object') continue;
    const id = Reflect.get(customer, 'id');
    const consent = Reflect.get(customer, 'consent');
    if (typeof id !== 'string' || consent === null || typeof consent !== 'object') continue;
    for (const channel of ['sms', 'email'] as const) {
      const granted = Reflect.get(consent, channel);
      if (typeof granted === 'boolean') {
        out.push({ customerId: id, channel, granted, at: DateTime.fromISO(event.time, { zone: 'utc' }) });
      }
    }
  }
  return out;
}

/** Sends after the latest statement for that customer and channel withdrew consent. */
export function sendsAfterOptOut(
  sent: ReadonlyArray<SentMessage>,
  statements: ReadonlyArray<ConsentStatement>,
): SentMessage[] {
  return sent.filter((message) => {
    const before = statements
      .filter(
        (s) => s.customerId === message.customerId && s.channel === message.channel && s.at <= message.at,
      )
      .sort((a, b) => a.at.toMillis() - b.at.toMillis());
    return before.at(-1)?.granted === false;
  });
}

/** Whether an instant is inside a window, read in `zone` (weekday, then minute of the day). */
function insideWindow(window: WindowSpec, at: DateTime, zone: string): boolean {
  const local = at.setZone(zone);
  const day = WEEKDAYS[local.weekday - 1];
  const minute = local.hour * 60 + local.minute;
  return (
    (window.days === undefined || (day !== undefined && window.days.includes(day))) &&
    minute >= window.start &&
    minute < window.end
  );
}

/** Sends outside the rule's window (or the default one) in the customer's zone. */
export function sendsOutsideWindow(scenario: Scenario, sent: ReadonlyArray<SentMessage>): SentMessage[] {
  return sent.filter((message) => {
    const rule = scenario.rules.find((item) => item.id === message.ruleId);
    const zone =
      scenario.customers.find((customer) => customer.id === message.customerId)?.zone ?? 'Europe/Stockholm';
    const window = rule?.window === undefined ? scenario.defaultWindow : rule.window;
    return window !== 'always' && !insideWindow(window, message.at, zone);
  });
}

/**
 * Non-urgent sends made while the cap was reached: `max` or more messages (any rule, urgent
 * included) to the customer in the cap period before it. Sends at the very same instant are
 * checked as a group: however they were ordered, the non-urgent ones among them must fit.
 */
export function capViolations(scenario: Scenario, sent: ReadonlyArray<SentMessage>): SentMessage[] {
  const per = Duration.fromISO(scenario.cap.per);
  const urgent = new Set(scenario.rules.filter((rule) => rule.urgent).map((rule) => rule.id));
  const out: SentMessage[] = [];
  for (const message of sent) {
    if (urgent.has(message.ruleId)) continue;
    const mine = sent.filter((other) => other.customerId === message.customerId);
    const before = mine.filter((other) => other.at >= message.at.minus(per) && other.at < message.at).length;
    const together = mine.filter((other) => other.at.equals(message.at) && !urgent.has(other.ruleId)).length;
    if (before >= scenario.cap.max || before + together > scenario.cap.max) out.push(message);
  }
  return out;
}
