import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { type EvaluateDeps, evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type {
  ChannelSender,
  OutboundMessage,
  SendReceipt,
  SendScheduler,
} from '../../../functions/app/ports.ts';
import { catalogRenderer } from '../../../functions/app/render-factory.ts';
import { sendMessage } from '../../../functions/app/send-message.ts';
import type { EngineSettings } from '../../../functions/core/config/engine-settings.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import type { RuleInput } from '../../../functions/core/rules/rule-schema.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aCustomer, anEvent, aRule, at, settings } from '../../support/factories.ts';

class RecordingScheduler implements SendScheduler {
  readonly due = new Map<string, string>();
  async schedule(messageId: string, when: DateTime): Promise<void> {
    this.due.set(messageId, when.toUTC().toISO() ?? '');
  }
  async cancel(messageId: string): Promise<void> {
    this.due.delete(messageId);
  }
}

class CountingChannel implements ChannelSender {
  readonly sent: OutboundMessage[] = [];
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.sent.push(message);
    return { ok: true, providerId: `P${this.sent.length}` };
  }
}

const TEMPLATES = buildTemplateCatalog({
  'spike/en.email.liquid':
    'subject: {{ alert.count }} × {{ alert.value }}\n--- text\n{{ alert.count }} of {{ alert.threshold }} within {{ alert.within }} ({{ alert.key }}), {{ alert.firstAt }} – {{ alert.lastAt }}: {% for s in alert.samples %}{{ s.eventId }}/{{ s.customerId }} {% endfor %}\n',
  'spike/en.sms.liquid': '{{ alert.count }} x {{ alert.value }}',
});

/** A threshold rule: 3 similar cases within an hour, by problem code, to operations by email. */
function spikeRule(overrides: Partial<RuleInput> = {}) {
  return aRule({
    id: 'spike',
    on: { source: ['acme.cases'], 'detail-type': ['CaseOpened'] },
    threshold: { count: 3, within: 'PT1H', key: 'detail.problemCode' },
    to: { email: 'ops@acme.example', locale: 'en', timeZone: 'Europe/Stockholm' },
    channels: ['email'],
    template: 'spike',
    ...overrides,
  });
}

/** A case opened at `time` about `problemCode` by `customer`. */
function caseOpened(id: string, time: string, problemCode: string | undefined, customer = 'cust-anna') {
  return anEvent({
    id,
    source: 'acme.cases',
    'detail-type': 'CaseOpened',
    time,
    detail: {
      ...(problemCode === undefined ? {} : { problemCode }),
      customer: aCustomer({ id: customer }),
    },
  });
}

function harness(rule = spikeRule(), engine: EngineSettings = settings({ cap: { max: 1, per: 'P1D' } })) {
  const stores = createMemoryStores();
  const scheduler = new RecordingScheduler();
  const channel = new CountingChannel();
  let now = at('2026-11-24T08:00:00Z');
  const clock = { now: () => now };
  const rules = compileRuleSet([rule]);
  const deps: EvaluateDeps = {
    ...stores,
    suppressions: new MemorySuppressionStore(),
    scheduler,
    clock,
    settings: engine,
    rules,
  };
  const sendDeps = {
    ...stores,
    ...deps,
    channels: { sms: channel, email: channel },
    render: catalogRenderer(TEMPLATES.catalog, engine),
    random: () => 0.5,
  };
  return {
    stores,
    scheduler,
    channel,
    /** Evaluates an event with the clock at its own time (no event arrives before it happened). */
    async deliver(event: ReturnType<typeof caseOpened>) {
      if (at(event.time) > now) now = at(event.time);
      return evaluateEvent(event, deps);
    },
    async sendDue() {
      for (const messageId of [...scheduler.due.keys()]) {
        scheduler.due.delete(messageId);
        await sendMessage(messageId, sendDeps);
      }
    },
  };
}

describe('threshold alerts: counting and the one alert per crossing', () => {
  it('counts similar events; the event that reaches the count claims the alert, to operations', async () => {
    // Arrange
    const h = harness();

    // Act
    const first = await h.deliver(caseOpened('e1', '2026-11-24T08:00:00Z', 'INV', 'cust-anna'));
    const other = await h.deliver(caseOpened('e2', '2026-11-24T08:10:00Z', 'LOGIN', 'cust-lars'));
    const second = await h.deliver(caseOpened('e3', '2026-11-24T08:20:00Z', 'INV', 'cust-lars'));
    const third = await h.deliver(caseOpened('e4', '2026-11-24T08:30:00Z', 'INV', 'cust-erik'));

    // Assert
    expect(first.counted).toEqual([{ ruleId: 'spike', value: 'INV', outcome: 'counted', count: 1 }]);
    expect(other.counted).toEqual([{ ruleId: 'spike', value: 'LOGIN', outcome: 'counted', count: 1 }]);
    expect([first.planned, other.planned, second.planned]).toEqual([[], [], []]);
    expect(third.counted).toEqual([
      { ruleId: 'spike', value: 'INV', outcome: 'counted', count: 3, crossing: 'alert' },
    ]);
    expect(third.planned).toEqual([{ ruleId: 'spike', messageId: expect.any(String), outcome: 'scheduled' }]);
    const alert = await h.stores.messages.getMessage(third.planned[0]?.messageId ?? '');
    expect(alert).toMatchObject({
      ruleId: 'spike',
      customerId: 'ops:spike',
      status: 'scheduled',
      sendAt: '2026-11-24T08:30:00.000Z',
      threshold: {
        key: 'detail.problemCode',
        value: 'INV',
        count: 3,
        threshold: 3,
        within: 'PT1H',
        firstAt: '2026-11-24T08:00:00.000Z',
        lastAt: '2026-11-24T08:30:00.000Z',
        samples: [
          { eventId: 'e4', customerId: 'cust-erik' },
          { eventId: 'e3', customerId: 'cust-lars' },
          { eventId: 'e1', customerId: 'cust-anna' },
        ],
      },
    });
  });

  it('the window slides by event time: events older than `within` no longer count', async () => {
    // Arrange
    const h = harness();
    await h.deliver(caseOpened('e1', '2026-11-24T08:00:00Z', 'INV'));
    await h.deliver(caseOpened('e2', '2026-11-24T08:40:00Z', 'INV'));

    // Act: 09:00 is exactly one hour after e1, which falls out (the window is after < at ≤ until).
    const atTheHour = await h.deliver(caseOpened('e3', '2026-11-24T09:00:00Z', 'INV'));
    const next = await h.deliver(caseOpened('e4', '2026-11-24T09:10:00Z', 'INV'));

    // Assert
    expect(atTheHour.counted[0]).toMatchObject({ count: 2 });
    expect(next.counted[0]).toMatchObject({ count: 3, crossing: 'alert' });
  });

  it('a duplicated delivery counts once and never makes a second alert', async () => {
    // Arrange
    const h = harness();
    const e1 = caseOpened('e1', '2026-11-24T08:00:00Z', 'INV');
    const e2 = caseOpened('e2', '2026-11-24T08:05:00Z', 'INV');
    const e3 = caseOpened('e3', '2026-11-24T08:10:00Z', 'INV');

    // Act
    await h.deliver(e1);
    const again = await h.deliver(e1);
    const beforeCrossing = await h.deliver(e2);
    const crossing = await h.deliver(e3);
    const redelivered = await h.deliver(e3);

    // Assert
    expect(again.counted[0]).toMatchObject({ outcome: 'redelivered', count: 1 });
    expect(beforeCrossing.counted[0]).toMatchObject({ count: 2 });
    expect(crossing.counted[0]).toMatchObject({ count: 3, crossing: 'alert' });
    // The redelivered crossing event finds its own claim and its record: the same alert, no new one.
    expect(redelivered.planned).toEqual(crossing.planned);
    expect(h.stores.messages.records.size).toBe(1);
  });

  it('concurrent deliveries of many events and their duplicates give exactly one alert', async () => {
    // Arrange
    const h = harness(spikeRule({ threshold: { count: 5, within: 'PT1H', key: 'detail.problemCode' } }));
    const events = Array.from({ length: 8 }, (_, index) =>
      caseOpened(`e${index}`, `2026-11-24T08:0${index}:00Z`, 'INV'),
    );
    await h.deliver(caseOpened('e-late-clock', '2026-11-24T08:09:00Z', 'OTHER'));

    // Act: every event three times, all at once, as concurrent Lambdas would.
    const results = await Promise.all([...events, ...events, ...events].map((event) => h.deliver(event)));

    // Assert
    const alerts = new Set(results.flatMap((result) => result.planned.map((planned) => planned.messageId)));
    expect(alerts.size).toBe(1);
    expect(h.stores.messages.records.size).toBe(1);
    const counted = results.filter((result) => result.counted[0]?.outcome === 'counted');
    expect(counted).toHaveLength(8);
  });

  it('after an alert: none for the key within the cooldown (default: within), then again', async () => {
    // Arrange
    const h = harness();
    const times = ['08:00', '08:10', '08:20', '08:30', '08:40', '09:15', '09:20', '09:25'];

    // Act
    const results = [];
    for (const [index, time] of times.entries()) {
      results.push(await h.deliver(caseOpened(`e${index}`, `2026-11-24T${time}:00Z`, 'INV')));
    }

    // Assert: the alert at 08:20 quiets the key until 09:20; at 09:20 the window (08:20, 09:20]
    // holds 08:30, 08:40, 09:15 and 09:20: over the threshold again, so a second alert.
    expect(results.map((result) => result.counted[0]?.crossing ?? '-')).toEqual([
      '-',
      '-',
      'alert',
      'cooling-down',
      'cooling-down',
      'cooling-down',
      'alert',
      'cooling-down',
    ]);
  });

  it('with a stated cooldown, the next alert waits for it', async () => {
    // Arrange
    const h = harness(
      spikeRule({ threshold: { count: 2, within: 'PT10M', key: 'detail.problemCode', cooldown: 'PT2H' } }),
    );
    const times = ['08:00', '08:05', '08:30', '08:35', '10:04', '10:06'];

    // Act
    const crossings = [];
    for (const [index, time] of times.entries()) {
      const result = await h.deliver(caseOpened(`e${index}`, `2026-11-24T${time}:00Z`, 'INV'));
      crossings.push(result.counted[0]?.crossing ?? '-');
    }

    // Assert: 08:05 alerts and holds the key until 10:05: 08:30, 08:35 and 10:04 fall in the
    // cooldown (not counted further, whatever their windows hold); 10:06 crosses after it and alerts.
    expect(crossings).toEqual(['-', 'alert', 'cooling-down', 'cooling-down', 'cooling-down', 'alert']);
  });

  it('without a key every matching event counts together; an event without the key is not counted', async () => {
    // Arrange
    const all = harness(spikeRule({ threshold: { count: 2, within: 'PT1H' } }));
    const keyed = harness();

    // Act
    await all.deliver(caseOpened('e1', '2026-11-24T08:00:00Z', 'INV'));
    const together = await all.deliver(caseOpened('e2', '2026-11-24T08:10:00Z', 'LOGIN'));
    const missing = await keyed.deliver(caseOpened('e3', '2026-11-24T08:00:00Z', undefined));

    // Assert
    expect(together.counted[0]).toMatchObject({ value: '*', count: 2, crossing: 'alert' });
    expect(missing.counted).toEqual([
      {
        ruleId: 'spike',
        outcome: 'not-counted',
        reason: 'detail.problemCode is missing or not a single value: not counted',
      },
    ]);
  });
});

describe('threshold alerts: sending to operations', () => {
  async function crossed(h: ReturnType<typeof harness>) {
    for (const [index, time] of ['08:00', '08:10', '08:20'].entries()) {
      await h.deliver(caseOpened(`e${index}`, `2026-11-24T${time}:00Z`, 'INV', `cust-${index}`));
    }
  }

  it('renders the alert with its count, key, window and samples, to the operations address', async () => {
    // Arrange
    const h = harness();
    await crossed(h);

    // Act
    await h.sendDue();

    // Assert
    expect(h.channel.sent).toHaveLength(1);
    expect(h.channel.sent[0]).toMatchObject({
      channel: 'email',
      to: 'ops@acme.example',
      message: {
        subject: '3 × INV',
        text: expect.stringContaining(
          '3 of 3 within PT1H (detail.problemCode), 2026-11-24T08:00:00.000Z – 2026-11-24T08:20:00.000Z: e2/cust-2 e1/cust-1 e0/cust-0',
        ),
      },
    });
    const [record] = [...h.stores.messages.records.values()];
    expect(record).toMatchObject({ status: 'sent', customerId: 'ops:spike', to: 'ops@acme.example' });
  });

  it('is never held back by, nor counted in, a frequency cap: operations is not a customer', async () => {
    // Arrange: the cap allows one message per "customer" a day; two alerts go out on one day.
    const h = harness(spikeRule({ threshold: { count: 3, within: 'PT1H', key: 'detail.problemCode' } }));
    await crossed(h);
    for (const [index, time] of ['10:00', '10:10', '10:20'].entries()) {
      await h.deliver(caseOpened(`f${index}`, `2026-11-24T${time}:00Z`, 'INV'));
    }

    // Act
    await h.sendDue();

    // Assert
    expect(h.channel.sent.map((message) => message.to)).toEqual(['ops@acme.example', 'ops@acme.example']);
    expect(await h.stores.caps.countCapSlots('ops:spike', '2026-11-24T00:00:00.000Z')).toBe(0);
  });

  it('a window the rule sets applies in the operations time zone; without one the alert goes at once', async () => {
    // Arrange: the config default window (08:00-20:00) is the customers' and does not apply.
    const quiet = harness(
      spikeRule({
        window: { hours: '10:00-18:00' },
        to: { email: 'ops@acme.example', timeZone: 'Asia/Tokyo' },
      }),
    );
    const unset = harness(
      spikeRule({ window: undefined }),
      settings({ defaults: { window: { hours: '12:00-13:00' } } }),
    );

    // Act
    await crossed(quiet);
    await crossed(unset);

    // Assert: 08:20 UTC is 17:20 in Tokyo (inside); the default window would have deferred it.
    expect([...quiet.scheduler.due.values()]).toEqual(['2026-11-24T08:20:00.000Z']);
    expect([...unset.scheduler.due.values()]).toEqual(['2026-11-24T08:20:00.000Z']);
  });

  it('outside its window the alert is deferred to the next opening in the operations time zone', async () => {
    // Arrange
    const h = harness(
      spikeRule({
        window: { hours: '09:00-17:00' },
        to: { email: 'ops@acme.example', timeZone: 'America/New_York' },
      }),
    );

    // Act: 08:20 UTC is 03:20 in New York.
    await crossed(h);

    // Assert: 09:00 in New York is 14:00 UTC.
    expect([...h.scheduler.due.values()]).toEqual(['2026-11-24T14:00:00.000Z']);
  });
});
