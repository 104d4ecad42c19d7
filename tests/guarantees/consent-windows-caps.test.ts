import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type EvaluateDeps, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../functions/app/ports.ts';
import { EngineSettingsSchema } from '../../functions/core/config/engine-settings.ts';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import { buildTemplateCatalog } from '../../functions/core/messages/index.ts';
import { parseRuleFiles } from '../../functions/core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { runSimulation } from '../../functions/simulator/run-simulation.ts';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import {
  type ConsentStatement,
  capViolations,
  DST_CHANGES,
  eventConsent,
  ruleFiles,
  type Scenario,
  type SentMessage,
  scenarioArb,
  sendsAfterOptOut,
  sendsOutsideWindow,
  settingsYaml,
  TEMPLATES,
} from './support/policy-scenarios.ts';
import { DelegatingProfiles } from './support/port-wrappers.ts';
import { acceptedSms, postInboundSms, StopLog } from './support/public-surfaces.ts';
import { SeededRandom } from './support/random.ts';
import {
  allMessages,
  runTimeline,
  shippedProject,
  startFrozenRuntime,
  type TimelineEntry,
} from './support/runtime-driver.ts';
import { SUITE_TIMEOUT_MS, sized } from './support/scale.ts';

// Guarantee: no message to a recipient who opted out of that channel; none outside the rule's
// window in the recipient's time zone (across the March and October/November DST changes in
// Europe/Stockholm and America/New_York); none over the frequency cap unless the rule is urgent.
// Generated rules, customers and streams, end to end: through the simulator's engine in bulk,
// and through the local runtime on DynamoDB Local with STOP replies over the signed webhook.
const SEED = 20_270_501;
const SIM_RUNS = sized(300, 3_000);
const RUNTIME_EVENTS = sized(200, 1_500);
const CREDENTIALS = {
  twilioAccountSid: `AC${'7'.repeat(32)}`,
  twilioAuthToken: 'consent-suite-auth-token',
  sendgridApiKey: 'SG.consent-suite-api-key',
};
/** The STOPs this suite SENT (number, instant): the oracle, whatever the system recorded. */
const sentStops = new StopLog();

const figures = {
  sim: { runs: 0, events: 0, sent: 0, afterOptOut: 0, outsideWindow: 0, overCap: 0 },
  runtime: {
    events: 0,
    stops: 0,
    optOuts: 0,
    sent: 0,
    afterOptOut: 0,
    outsideWindow: 0,
    overCap: 0,
    sameInstantSends: 0,
    afterStopSent: 0,
  },
  race: { kept: false },
  capRace: { due: 0, sent: 0, capped: 0 },
};

function settingsOf(scenario: Scenario) {
  return EngineSettingsSchema.parse(parseYaml(settingsYaml(scenario)));
}

const runtimes: LocalRuntime[] = [];
const dirs: string[] = [];
/** The shipped rules on their own runtime, for the deterministic races below. */
let shipped: LocalRuntime;
beforeAll(async () => {
  shipped = await startFrozenRuntime(DateTime.fromISO('2027-02-02T09:00:00Z', { zone: 'utc' }), {
    sandboxCredentials: CREDENTIALS,
  });
  runtimes.push(shipped);
}, 120_000);
afterAll(async () => {
  for (const runtime of runtimes) await runtime.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('5 consent, windows and caps', () => {
  it(
    'generated rules, customers and streams through the engine: no send after an opt-out, outside a window, or over the cap',
    async () => {
      // Arrange
      console.info(`consent/windows/caps: seed ${SEED}`);
      const catalog = buildTemplateCatalog(TEMPLATES);

      // Act / Assert
      await fc.assert(
        fc.asyncProperty(scenarioArb({ min: 5, max: 60 }), async (scenario) => {
          const parsed = parseRuleFiles(ruleFiles(scenario));
          expect(parsed.issues).toEqual([]);
          const lines = await runSimulation({
            rules: compileRuleSet(parsed.rules.map((loaded) => loaded.rule)),
            settings: settingsOf(scenario),
            catalog: catalog.catalog,
            events: scenario.events.map((value, index) => ({ line: index + 1, value })),
          });
          const sent: SentMessage[] = lines.flatMap((line) =>
            line.outcome === 'sent' &&
            line.ruleId !== null &&
            line.customerId !== null &&
            line.channel !== null
              ? [
                  {
                    ruleId: line.ruleId,
                    customerId: line.customerId,
                    channel: line.channel,
                    at: DateTime.fromISO(line.time, { zone: 'utc' }),
                  },
                ]
              : [],
          );
          const afterOptOut = sendsAfterOptOut(sent, eventConsent(scenario));
          const outside = sendsOutsideWindow(scenario, sent);
          const overCap = capViolations(scenario, sent);
          figures.sim.runs++;
          figures.sim.events += scenario.events.length;
          figures.sim.sent += sent.length;
          figures.sim.afterOptOut += afterOptOut.length;
          figures.sim.outsideWindow += outside.length;
          figures.sim.overCap += overCap.length;
          expect(afterOptOut).toEqual([]);
          expect(outside).toEqual([]);
          expect(overCap).toEqual([]);
          expect(lines.filter((line) => line.outcome === 'rejected')).toEqual([]);
        }),
        { seed: SEED, numRuns: SIM_RUNS },
      );
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    'a generated scenario over all four DST changes through the local runtime on DynamoDB, with STOP replies over the signed webhook',
    async () => {
      // Arrange
      // The first sampled scenario with at least three customers who have a phone (STOP needs one).
      const scenario = fc
        .sample(scenarioArb({ min: RUNTIME_EVENTS, max: RUNTIME_EVENTS }, true), {
          seed: SEED + 1,
          numRuns: 50,
        })
        .find(
          (candidate) => candidate.customers.filter((customer) => customer.phone !== undefined).length >= 3,
        );
      if (scenario === undefined) throw new Error('no scenario');
      const dir = mkdtempSync(join(tmpdir(), 'nudge-policy-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'rules'));
      for (const { file, text } of ruleFiles(scenario)) writeFileSync(join(dir, file), text);
      for (const [file, text] of Object.entries(TEMPLATES)) {
        mkdirSync(dirname(join(dir, 'templates', file)), { recursive: true });
        writeFileSync(join(dir, 'templates', file), text);
      }
      mkdirSync(join(dir, 'examples', 'events'), { recursive: true });
      writeFileSync(join(dir, 'nudge.config.yaml'), settingsYaml(scenario));
      const first = DateTime.fromISO(scenario.events[0]?.time ?? '', { zone: 'utc' });
      const runtime = await startFrozenRuntime(first.minus({ minutes: 1 }), {
        projectDir: dir,
        sandboxCredentials: CREDENTIALS,
      });
      runtimes.push(runtime);
      const random = new SeededRandom(SEED + 2);
      const entries: TimelineEntry[] = scenario.events.map((event) => ({
        at: DateTime.fromISO(event.time, { zone: 'utc' }),
        run: async () => {
          figures.runtime.events++;
          await runtime.evaluate(event);
        },
      }));
      // STOP replies from customers' phones, at times of their own (a reply correlates with the
      // latest SMS sent to that phone; before any, it changes nothing).
      for (const event of scenario.events) {
        if (!random.chance(0.15)) continue;
        const customer = scenario.customers.find(
          (item) => item.id === Reflect.get(Object(event.detail.customer), 'id'),
        );
        if (customer?.phone === undefined) continue;
        const phone = customer.phone;
        entries.push({
          at: DateTime.fromISO(event.time, { zone: 'utc' }).plus({
            minutes: random.int(5, 600),
            milliseconds: random.int(1, 999),
          }),
          run: async () => {
            figures.runtime.stops++;
            sentStops.add({ number: phone, at: runtime.clock.now(), kind: 'stop', label: 'scenario' });
            const answer = await postInboundSms(runtime, CREDENTIALS.twilioAuthToken, {
              from: phone,
              body: random.pick(['STOP', 'STOPP', 'Stop', 'AVSLUTA']),
            });
            expect(answer.status).toBe(200);
          },
        });
      }

      // Act
      await runTimeline(runtime, entries);

      // Assert
      const records = await allMessages(runtime.stores);
      const sent: SentMessage[] = records.flatMap((record) =>
        record.sentAt !== undefined && record.channel !== undefined && record.status !== 'failed'
          ? [
              {
                ruleId: record.ruleId,
                customerId: record.customerId,
                channel: record.channel,
                at: DateTime.fromISO(record.sentAt, { zone: 'utc' }),
              },
            ]
          : [],
      );
      const stops: ConsentStatement[] = runtime
        .outcomes()
        .filter((event) => event['detail-type'] === 'CustomerOptedOut')
        .map((event) => ({
          customerId: String(event.detail.customerId),
          channel: event.detail.channel === 'email' ? 'email' : 'sms',
          granted: false,
          at: DateTime.fromISO(String(event.detail.at), { zone: 'utc' }),
        }));
      const afterOptOut = sendsAfterOptOut(sent, [...eventConsent(scenario), ...stops]);
      // And against the STOPs the test sent, per number, from what the provider accepted.
      const afterStopSent = sentStops.violations(acceptedSms(runtime));
      figures.runtime.afterStopSent = afterStopSent.length;
      const outside = sendsOutsideWindow(scenario, sent);
      const overCap = capViolations(scenario, sent);
      const instants = new Map<string, number>();
      for (const message of sent) {
        const key = `${message.customerId} ${message.at.toISO()}`;
        instants.set(key, (instants.get(key) ?? 0) + 1);
      }
      figures.runtime.optOuts = stops.length;
      figures.runtime.sent = sent.length;
      figures.runtime.afterOptOut = afterOptOut.length;
      figures.runtime.outsideWindow = outside.length;
      figures.runtime.overCap = overCap.length;
      figures.runtime.sameInstantSends = [...instants.values()].filter((count) => count > 1).length;
      expect(afterOptOut).toEqual([]);
      expect(afterStopSent.map(({ sms }) => `${sms.to} at ${sms.at.toISO()}`)).toEqual([]);
      expect(outside).toEqual([]);
      expect(overCap).toEqual([]);
      expect(sent.length).toBeGreaterThan(0);
      expect(stops.length).toBeGreaterThan(0);
      expect(runtime.deadLetters()).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );

  it('six surveys for one customer falling due at the same window opening, sent by the send queue workers at once: exactly the cap goes out', async () => {
    // Arrange: cases closed late on Tuesday evening; each survey (an hour later, non-urgent)
    // is deferred to Wednesday 08:00 in Stockholm, all six at the same instant.
    const runtime = shipped;
    runtime.clock.set(DateTime.fromISO('2027-02-02T21:30:00Z', { zone: 'utc' }));
    const customer = {
      // Not in the survey's holdout group (SHA-256 of rule and customer id ≥ 10 %: 0.87).
      id: 'cust-cia',
      firstName: 'Cia',
      phone: '+46701118888',
      locale: 'sv',
      timeZone: 'Europe/Stockholm',
    };
    for (let n = 1; n <= 6; n++) {
      runtime.clock.set(runtime.clock.now().plus({ minutes: 3 }));
      await runtime.evaluate({
        version: '0',
        id: `ev-cap-${n}`,
        'detail-type': 'CaseClosed',
        source: 'acme.cases',
        time: runtime.clock.now().toISO(),
        detail: { caseId: `K-CAP-${n}`, resolution: 'resolved', customer },
      });
    }
    // The shipped windowOpening.spread (PT10M) spreads them over the window's first ten minutes;
    // the clock jumps past all of them, so the send queue workers still take all six at once.
    const opening = DateTime.fromISO('2027-02-03T07:00:00Z', { zone: 'utc' });
    const spreadEnd = opening.plus({ minutes: 10 });
    const due = runtime.pendingSends().filter((pending) => pending.at >= opening && pending.at < spreadEnd);

    // Act
    runtime.clock.set(spreadEnd);
    await runtime.drain();
    await runTimeline(runtime, []); // whatever a slow provider answer turned into a retry

    // Assert
    const messages = (await runtime.stores.queries.customerTimeline(customer.id, 20)).messages;
    const sent = messages.filter((message) => message.sentAt !== undefined);
    const capped = messages.filter((message) => message.reason === 'frequency-cap');
    figures.capRace = { due: due.length, sent: sent.length, capped: capped.length };
    expect(due).toHaveLength(6);
    expect(sent, JSON.stringify(messages.map((message) => message.history))).toHaveLength(3);
    expect(capped).toHaveLength(3);
    expect(runtime.twilio.messages().filter((sms) => sms.to === customer.phone)).toHaveLength(3);
  });

  it('a STOP that lands between an event reading the profile and writing it back is not undone', async ({
    task,
  }) => {
    // Arrange
    const runtime = shipped;
    runtime.clock.set(runtime.clock.now().plus({ days: 1 }));
    const project = shippedProject();
    const customer = {
      id: 'cust-race',
      firstName: 'Rut',
      phone: '+46701119999',
      locale: 'sv',
      timeZone: 'Europe/Stockholm',
    };
    const booked = (n: number, extra: Record<string, unknown> = {}) => ({
      version: '0',
      id: `ev-race-${n}`,
      'detail-type': 'CallbackBooked',
      source: 'acme.contact-centre',
      time: runtime.clock.now().toISO(),
      detail: {
        callbackId: `CB-R${n}`,
        caseId: `K-R${n}`,
        callbackAt: runtime.clock.now().plus({ hours: 4 }).toISO(),
        customer: { ...customer, ...extra },
      },
    });
    await runtime.evaluate(booked(1));
    await runtime.drain(); // one SMS, so the STOP correlates with this customer
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    let readDone: () => void = () => undefined;
    const firstRead = new Promise<void>((resolve) => {
      readDone = resolve;
    });
    // The evaluate step of a second event: it reads the profile, then waits (a slow Lambda)
    // before writing its merge back, while the customer's STOP is handled.
    class SlowWriter extends DelegatingProfiles {
      override async getProfile(customerId: string) {
        const profile = await super.getProfile(customerId);
        reads++;
        readDone();
        return profile;
      }
      override async putProfile(profile: CustomerProfile) {
        await gate;
        return super.putProfile(profile);
      }
    }
    const scheduled: string[] = [];
    const scheduler: SendScheduler = {
      schedule: async (messageId) => void scheduled.push(messageId),
      cancel: async () => undefined,
    };
    const deps: EvaluateDeps = {
      ...runtime.stores,
      profiles: new SlowWriter(runtime.stores.profiles),
      scheduler,
      clock: runtime.clock,
      settings: project.settings,
      rules: project.rules,
    };

    // Act
    const evaluation = evaluateEvent(booked(2, { firstName: 'Ruth' }), deps);
    await firstRead;
    const stopAt = runtime.clock.now();
    const reply = await postInboundSms(runtime, CREDENTIALS.twilioAuthToken, {
      from: customer.phone,
      body: 'STOPP',
    });
    const raceStops = new StopLog();
    raceStops.add({ number: customer.phone, at: stopAt, kind: 'stop', label: 'race' });
    release();
    const result = await evaluation;
    const planned = result.planned.find((item) => item.ruleId === 'callback-booked');
    await runtime.enqueue(planned?.messageId ?? '');
    await runtime.drain();

    // Assert
    const profile = await runtime.stores.profiles.getProfile(customer.id);
    const second = await runtime.stores.messages.getMessage(planned?.messageId ?? '');
    const afterStop = raceStops.violations(acceptedSms(runtime));
    figures.race.kept = afterStop.length === 0;
    recordFigures(task, {
      suite: '5 consent, windows and caps',
      seed: SEED,
      injected: cells([
        ['generated scenarios (engine)', figures.sim.runs],
        ['events', figures.sim.events + figures.runtime.events],
        ['DST changes crossed', DST_CHANGES.length],
        ['runtime scenario events (DynamoDB)', figures.runtime.events],
        ['STOP replies', figures.runtime.stops],
        ['STOP racing a profile write', 1],
        ['same-instant surveys to one customer (cap 3, sent concurrently)', figures.capRace.due],
      ]),
      observed: cells([
        ['sends checked', figures.sim.sent + figures.runtime.sent],
        ['customers opted out by STOP', figures.runtime.optOuts],
        ['same-instant sends to one customer', figures.runtime.sameInstantSends],
        ['sent after opt-out', figures.sim.afterOptOut + figures.runtime.afterOptOut],
        ['SMS after a STOP the test sent', figures.runtime.afterStopSent + (figures.race.kept ? 0 : 1)],
        ['outside the window', figures.sim.outsideWindow + figures.runtime.outsideWindow],
        ['over the cap', figures.sim.overCap + figures.runtime.overCap],
        [
          'of the same-instant surveys sent',
          `${figures.capRace.sent} (${figures.capRace.capped} held by the cap)`,
        ],
        ['STOP kept under the race', figures.race.kept ? 'yes' : 'no'],
      ]),
    });
    expect(reply.status).toBe(200);
    expect(reads).toBeGreaterThanOrEqual(2); // the stale write was refused and the merge redone
    // The event's own news survived, and the STOP held: nothing reached the provider after it.
    expect(profile).toMatchObject({ firstName: 'Ruth' });
    expect(afterStop.map(({ sms }) => `${sms.to} at ${sms.at.toISO()}`)).toEqual([]);
    expect(second?.status).toBe('suppressed');
  });
});
