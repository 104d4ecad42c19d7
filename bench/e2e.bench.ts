/**
 * Benchmark: the whole local runtime, end to end, and the AWS bill that follows from its calls.
 *
 * `startLocalRuntime` (DynamoDB Local, the PutEvents endpoint, the in-process queue and scheduler,
 * the Twilio and SendGrid sandboxes, the webhook router) runs on a running clock with a project
 * of two shipped rules: `callback-booked` (immediate, window always, urgent) and
 * `renewal-reminder` (14 days before a date, at 10:00 local time). For 1, 10 and 100 concurrent
 * producers, each putting one CallbackBooked event at a time with the real
 * `@aws-sdk/client-eventbridge`, it measures the messages the Twilio sandbox accepts per second
 * and the latency from PutEvents to that acceptance; beside it, DynamoDB Local's own ceiling
 * (conditional PutItem/s on a fresh table at the same concurrency) and the DynamoDB calls each
 * message costs. A last phase plans 200 renewal reminders and moves the clock past their send
 * time, for the calls of a message sent later.
 *
 * Run with `npm run bench:e2e`. Writes two sections: "End to end" and "AWS calls and cost".
 */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { messageIdFor } from '../functions/core/ids.ts';
import { startLocalRuntime } from '../local/runtime/local-runtime.ts';
import { countDynamoDbCalls, WRITE_OPERATIONS } from '../tests/support/count-dynamodb-calls.ts';
import { costReport, FUNCTION_MEMORY_MB, type MeasuredMessage } from './aws-cost.ts';
import {
  type DynamoCeiling,
  findDynamoDbLocalPid,
  measureDynamoCeiling,
  trackConsumedCapacity,
} from './dynamodb-bench-support.ts';
import { benchCustomer, epochMs, startProducers } from './e2e-producers.ts';
import { acceptedAt, benchProject, cpuSeconds, drain, machineJiffies } from './e2e-support.ts';
import { int, median, num, pct, peakRssMiB, percentile, SectionRecorder, table } from './report.ts';

const PRODUCER_LEVELS = [1, 10, 100] as const;
/** Producers run this long before the measured window (queues fill, JIT warms). */
const WARM_UP_MS = 1_500;
/** The measured window of each level. */
const MEASURE_MS = 8_000;
/** DynamoDB Local's ceiling: warm-up and window on its fresh table. */
const CEILING = { warmUpMs: 1_000, measureMs: 4_000 };
const REMINDERS = 200;

// The benchmark must stop by itself: a hung phase ends the process (the runtime's exit hooks
// still kill DynamoDB Local's java).
const watchdog = setTimeout(() => {
  console.error('e2e benchmark: over 10 minutes, giving up');
  process.exit(2);
}, 600_000);
watchdog.unref();

interface Put {
  sequence: number;
  messageId: string;
  /** Epoch ms (see e2e-producers.ts); sandbox times are converted to the same scale. */
  putAt: number;
  ackAt: number;
}

/** The most events acknowledged by PutEvents but not yet accepted by the sandbox at one time. */
function peakBacklog(puts: ReadonlyArray<Put>, accepted: Map<string, number>): number {
  const moments = puts.flatMap((put) => {
    const done = accepted.get(put.messageId);
    return [
      { at: put.ackAt, delta: 1 },
      ...(done === undefined ? [] : [{ at: Math.max(done, put.ackAt), delta: -1 }]),
    ];
  });
  moments.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const moment of moments) {
    open += moment.delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Calls, units and side effects counted between two snapshots. */
interface Usage {
  calls: Record<string, number>;
  total: number;
  writes: number;
  rru: number;
  wru: number;
  unreported: number;
  callbacks: number;
  outcomes: number;
}

interface Level {
  producers: number;
  events: number;
  windowEvents: number;
  messagesPerSecond: number;
  putsPerSecond: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  putRtt: { p50: number; p99: number };
  afterAck: { p50: number; p99: number };
  peakBacklog: number;
  missing: number;
  failedPuts: number;
  usage: Usage;
  /**
   * While producing: the machine's busy share and the runtime's event-loop utilisation (1 = its
   * one JavaScript thread never idle).
   */
  busy: { machine: number; loop: number };
  /** CPU ms per event, from the first put to the last callback, of each process. */
  cpuPerMessage: { runtime: number; java: number; producers: number };
  ceiling: DynamoCeiling;
  rss: { node: number | undefined; java: number | undefined };
}

async function main(): Promise<void> {
  const e2e = new SectionRecorder('2-e2e', 'End to end on one machine', 'npm run bench:e2e');
  const costs = new SectionRecorder('3-cost', 'AWS calls and cost per message', 'npm run bench:e2e');
  const projectDir = benchProject();
  const logLines: string[] = [];
  const runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    speed: 1,
    ports: { console: 0, events: 0 },
    log: (line) => {
      // Failures are the only lines worth keeping; the rest would be one per message.
      if (/fail|error|retry/i.test(line)) logLines.push(line);
    },
  });
  const bus = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const producerProcess = startProducers();
  try {
    const dynamoPort = Number(new URL(runtime.urls.dynamodb).port);
    const javaPid = findDynamoDbLocalPid(dynamoPort);
    const calls = countDynamoDbCalls(runtime.dynamoClient);
    const capacity = trackConsumedCapacity(runtime.dynamoClient);
    let sequence = 0;

    const snapshot = () => ({
      callbacks: runtime.twilio.callbacks().length,
      outcomes: runtime.outcomes().length,
    });
    const resetCounters = () => {
      calls.reset();
      capacity.reset();
      return snapshot();
    };
    const usageSince = (before: { callbacks: number; outcomes: number }): Usage => {
      const after = snapshot();
      return {
        calls: calls.counts(),
        total: calls.total(),
        writes: calls.writes(),
        rru: capacity.readUnits(),
        wru: capacity.writeUnits(),
        unreported: capacity.unreported(),
        callbacks: after.callbacks - before.callbacks,
        outcomes: after.outcomes - before.outcomes,
      };
    };

    // Virtual ms minus epoch ms: constant at speed 1 until the reminder phase moves the clock.
    const offsetMs = runtime.clock.nowMillis() - epochMs();
    /** Runs `producers` producers (in the producer process) for `durationMs`; returns what they put. */
    const runProducers = async (producers: number, durationMs: number) => {
      const done = await producerProcess.run({
        endpoint: runtime.urls.events,
        producers,
        durationMs,
        firstSequence: sequence,
      });
      sequence = done.nextSequence;
      const puts: Put[] = done.puts.map((put) => ({
        sequence: put.sequence,
        messageId: messageIdFor('callback-booked', put.eventId),
        putAt: put.putAt,
        ackAt: put.ackAt,
      }));
      return { puts, failures: done.failures, cpuMs: done.cpuMs };
    };

    // Warm the JVM and the JIT, and fill the table a little, before anything is measured.
    e2e.progress('warming up (10 producers, 3 s)…');
    const warm = await runProducers(10, 3_000);
    await drain(
      runtime,
      warm.puts.map((put) => put.messageId),
    );

    // DynamoDB Local speeds up for tens of seconds as its JIT warms: a discarded ceiling run first,
    // so the per-level ceilings compare with each other.
    await measureDynamoCeiling(runtime.urls.dynamodb, 10, { warmUpMs: 0, measureMs: 3_000 });

    const levels: Level[] = [];
    for (const producers of PRODUCER_LEVELS) {
      e2e.progress(`${producers} producer(s): DynamoDB Local ceiling…`);
      const ceiling = await measureDynamoCeiling(runtime.urls.dynamodb, producers, CEILING);
      e2e.progress(`${producers} producer(s): ${int(ceiling.putsPerSecond)} PutItem/s; end to end…`);
      const before = resetCounters();
      const cpuBefore = {
        node: process.cpuUsage(),
        java: javaPid === undefined ? Number.NaN : cpuSeconds(javaPid),
        machine: machineJiffies(),
        loop: performance.eventLoopUtilization(),
      };
      const started = epochMs();
      const windowStart = started + WARM_UP_MS;
      const windowEnd = windowStart + MEASURE_MS;
      const run = await runProducers(producers, WARM_UP_MS + MEASURE_MS);
      const loop = performance.eventLoopUtilization(cpuBefore.loop).utilization;
      const machineAfter = machineJiffies();
      const machineBusy =
        (machineAfter.busy - cpuBefore.machine.busy) / (machineAfter.total - cpuBefore.machine.total);
      const missing = await drain(
        runtime,
        run.puts.map((put) => put.messageId),
      );
      // All the work for these events is done now (sent, callbacks recorded): CPU per event.
      const cpuNode = process.cpuUsage(cpuBefore.node);
      const javaCpu = javaPid === undefined ? Number.NaN : cpuSeconds(javaPid) - cpuBefore.java;
      const perEvent = (ms: number) => ms / Math.max(1, run.puts.length);
      const accepted = acceptedAt(runtime, offsetMs);
      const windowPuts = run.puts.filter((put) => put.putAt >= windowStart && put.putAt < windowEnd);
      const latencies = windowPuts.flatMap((put) => {
        const at = accepted.get(put.messageId);
        return at === undefined ? [] : [at - put.putAt];
      });
      const afterAck = windowPuts.flatMap((put) => {
        const at = accepted.get(put.messageId);
        return at === undefined ? [] : [at - put.ackAt];
      });
      const acceptedInWindow = run.puts.filter((put) => {
        const at = accepted.get(put.messageId);
        return at !== undefined && at >= windowStart && at < windowEnd;
      }).length;
      const seconds = MEASURE_MS / 1000;
      const level: Level = {
        producers,
        events: run.puts.length,
        windowEvents: windowPuts.length,
        messagesPerSecond: acceptedInWindow / seconds,
        putsPerSecond:
          run.puts.filter((put) => put.ackAt >= windowStart && put.ackAt < windowEnd).length / seconds,
        latency: {
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          max: percentile(latencies, 100),
        },
        putRtt: {
          p50: median(windowPuts.map((put) => put.ackAt - put.putAt)),
          p99: percentile(
            windowPuts.map((put) => put.ackAt - put.putAt),
            99,
          ),
        },
        afterAck: { p50: median(afterAck), p99: percentile(afterAck, 99) },
        peakBacklog: peakBacklog(run.puts, accepted),
        missing,
        failedPuts: run.failures,
        usage: usageSince(before),
        busy: { machine: machineBusy, loop },
        cpuPerMessage: {
          runtime: perEvent((cpuNode.user + cpuNode.system) / 1000),
          java: perEvent(javaCpu * 1000),
          producers: perEvent(run.cpuMs),
        },
        ceiling,
        rss: { node: peakRssMiB(process.pid), java: javaPid === undefined ? undefined : peakRssMiB(javaPid) },
      };
      levels.push(level);
      e2e.progress(
        `${producers} producer(s): ${num(level.messagesPerSecond)} messages/s, p50 ${num(level.latency.p50, 0)} ms, p99 ${num(level.latency.p99, 0)} ms, ${num(level.usage.total / level.events, 2)} DynamoDB calls/message`,
      );
    }

    // A message sent later: renewal reminders planned now, sent when the clock reaches them.
    e2e.progress(`${REMINDERS} renewal reminders: plan, then move the clock past their send time…`);
    const reminderBefore = resetCounters();
    const reminderIds: string[] = [];
    const renewalDate = runtime.clock.now().setZone('Europe/Stockholm').plus({ days: 15 }).toISODate() ?? '';
    const planReminder = async (n: number) => {
      const answer = await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'acme.policy',
              DetailType: 'PolicyRenewalScheduled',
              Detail: JSON.stringify({
                policyId: `P-bench-${n}`,
                policyNumber: `HEM-${n}`,
                renewalDate,
                newPremium: 2450.5,
                currency: 'SEK',
                customer: benchCustomer(1_000_000 + n),
              }),
            },
          ],
        }),
      );
      const eventId = answer.Entries?.[0]?.EventId;
      if (eventId !== undefined) reminderIds.push(messageIdFor('renewal-reminder', eventId));
    };
    for (let n = 0; n < REMINDERS; n += 10) {
      await Promise.all(Array.from({ length: Math.min(10, REMINDERS - n) }, (_, i) => planReminder(n + i)));
    }
    // 14 days before the renewal is tomorrow at 10:00 local time (Monday when tomorrow is a
    // Sunday, which the default window excludes). The clock goes just past it, inside the window,
    // so the send step's own window check passes as it would on the day.
    let sendDay = runtime.clock.now().setZone('Europe/Stockholm').plus({ days: 1 });
    if (sendDay.weekday === 7) sendDay = sendDay.plus({ days: 1 });
    runtime.clock.set(sendDay.set({ hour: 10, minute: 5, second: 0, millisecond: 0 }).toUTC());
    const reminderMissing = await drain(runtime, reminderIds, 30_000);
    const reminderUsage = usageSince(reminderBefore);

    // --- the end-to-end section --------------------------------------------------------------------
    const at10 = levels.find((level) => level.producers === 10);
    const boundOf = (level: Level) => level.ceiling.putsPerSecond / (level.usage.total / level.events);
    // Everything runs on this machine's cores: messages/s if every core did nothing but this work.
    const cpuBoundOf = (level: Level) =>
      (cpus().length * 1000) /
      (level.cpuPerMessage.runtime + level.cpuPerMessage.java + level.cpuPerMessage.producers);
    e2e.line(
      `Local runtime on a running clock, DynamoDB Local in memory, Twilio sandbox (status callbacks after 50 ms). Each producer puts one \`CallbackBooked\` event at a time (PutEvents, one entry) and waits for the answer; the endpoint answers once the event is evaluated. Latency: PutEvents call → the Twilio sandbox accepts the SMS (\`callback-booked\`: immediate, window always, urgent), over the events put in the ${num(MEASURE_MS / 1000, 0)} s window after ${num(WARM_UP_MS / 1000, 1)} s of warm-up; events still queued when producers stop are drained and count. Every event is a new customer (a profile write each).`,
    );
    e2e.line('');
    e2e.line(
      table(
        [
          'producers',
          'messages/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'PutEvents p50 / p99 ms',
          'queue+send p50 / p99 ms',
          'peak backlog',
        ],
        levels.map((level) => [
          int(level.producers),
          num(level.messagesPerSecond),
          num(level.latency.p50, 0),
          num(level.latency.p95, 0),
          num(level.latency.p99, 0),
          num(level.latency.max, 0),
          `${num(level.putRtt.p50, 0)} / ${num(level.putRtt.p99, 0)}`,
          `${num(level.afterAck.p50, 0)} / ${num(level.afterAck.p99, 0)}`,
          int(level.peakBacklog),
        ]),
        ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    e2e.line('');
    e2e.line('What bounds it:');
    e2e.line('');
    e2e.line(
      table(
        [
          'producers',
          'DynamoDB calls/msg',
          'DynamoDB Local ceiling (cond. PutItem/s)',
          'bound = ceiling ÷ calls',
          'e2e ÷ bound',
          'CPU ms/msg: runtime / java / producers',
          'CPU bound = cores ÷ CPU/msg',
          'e2e ÷ CPU bound',
          'runtime event loop busy',
          'machine busy',
          'peak RSS runtime / java MiB',
        ],
        levels.map((level) => [
          int(level.producers),
          num(level.usage.total / level.events, 2),
          int(level.ceiling.putsPerSecond),
          num(boundOf(level)),
          pct(level.messagesPerSecond / boundOf(level)),
          `${num(level.cpuPerMessage.runtime, 1)} / ${num(level.cpuPerMessage.java, 1)} / ${num(level.cpuPerMessage.producers, 1)}`,
          num(cpuBoundOf(level)),
          pct(level.messagesPerSecond / cpuBoundOf(level)),
          pct(level.busy.loop),
          pct(level.busy.machine),
          `${num(level.rss.node ?? Number.NaN, 0)} / ${num(level.rss.java ?? Number.NaN, 0)}`,
        ]),
        ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    e2e.line('');
    const totalEvents = levels.reduce((sum, level) => sum + level.events, 0);
    const problems = [
      ...levels.flatMap((level) => [
        ...(level.missing > 0
          ? [`${level.missing} message(s) never reached the sandbox at ${level.producers} producers`]
          : []),
        ...(level.failedPuts > 0
          ? [`${level.failedPuts} PutEvents failed at ${level.producers} producers`]
          : []),
      ]),
      ...(reminderMissing > 0 ? [`${reminderMissing} reminder(s) never reached the sandbox`] : []),
      ...logLines.slice(0, 5),
    ];
    e2e.line(
      `${int(totalEvents)} events in the three levels, ${int(levels.reduce((sum, level) => sum + level.missing, 0))} lost. ` +
        '"PutEvents" is the round trip of the producer\'s call (the evaluation); "queue+send" is from that answer to the sandbox accepting the SMS (the in-process send queue, the send use case, the Twilio call). ' +
        '"peak backlog": the most events answered but not yet sent at one moment. "CPU ms/msg": CPU time of the runtime\'s process, DynamoDB Local\'s java and the producer process, from the first put of a level to its last provider callback, per event; "CPU bound" is what the machine\'s cores could do if they did nothing else (near or above 100 %: the level kept every core busy; its CPU is counted over the whole level, its rate over the window). "event loop busy" is the runtime\'s event-loop utilisation while producing (its JavaScript runs on one thread: 100 % is the ceiling of the whole local runtime); "machine busy" counts every process on all cores, other people\'s included. ' +
        "The producers run in a child process of their own (they stand for the company's systems), so their SDK work does not share the runtime's event loop; the runtime's process holds everything else (the PutEvents endpoint, evaluation, the send queue and use case, the Twilio and SendGrid sandboxes, the webhook router). " +
        'Peak RSS is VmHWM (the peak so far) of this process and of the java child.',
    );
    if (problems.length > 0) e2e.line(`\nProblems: ${problems.join('; ')}`);
    e2e.line('');
    const worst = levels.reduce(
      (lowest, level) => Math.min(lowest, level.messagesPerSecond / boundOf(level)),
      Number.POSITIVE_INFINITY,
    );
    e2e.goal(
      '≥ 70 % of (DynamoDB Local ceiling ÷ calls per message)',
      levels.every((level) => level.messagesPerSecond >= 0.7 * boundOf(level)),
      `${levels.map((level) => `${pct(level.messagesPerSecond / boundOf(level))} at ${level.producers}`).join(', ')} producers; lowest ${pct(worst)}`,
    );
    e2e.goal(
      'p99 < 250 ms at 10 producers',
      at10 !== undefined && at10.latency.p99 < 250,
      `p99 ${num(at10?.latency.p99 ?? Number.NaN, 0)} ms`,
    );

    // --- calls and cost ----------------------------------------------------------------------------
    const allCalls: Record<string, number> = {};
    for (const level of levels) {
      for (const [operation, count] of Object.entries(level.usage.calls)) {
        allCalls[operation] = (allCalls[operation] ?? 0) + count;
      }
    }
    const sumOf = (pick: (level: Level) => number) => levels.reduce((sum, level) => sum + pick(level), 0);
    const all: Usage & { events: number } = {
      calls: allCalls,
      events: sumOf((level) => level.events),
      total: sumOf((level) => level.usage.total),
      writes: sumOf((level) => level.usage.writes),
      rru: sumOf((level) => level.usage.rru),
      wru: sumOf((level) => level.usage.wru),
      unreported: sumOf((level) => level.usage.unreported),
      callbacks: sumOf((level) => level.usage.callbacks),
      outcomes: sumOf((level) => level.usage.outcomes),
    };
    const measured = (
      label: string,
      scheduled: boolean,
      usage: Usage,
      messages: number,
    ): MeasuredMessage => ({
      label,
      scheduled,
      dynamoCalls: usage.total / messages,
      dynamoReadCalls: (usage.total - usage.writes) / messages,
      dynamoWriteCalls: usage.writes / messages,
      scans: usage.calls.Scan ?? 0,
      rru: usage.rru / messages,
      wru: usage.wru / messages,
      outcomeEvents: usage.outcomes / messages,
      callbacks: usage.callbacks / messages,
    });
    const confirmation = measured('confirmation (sent at once)', false, all, all.events);
    const reminder = measured('reminder (sent later)', true, reminderUsage, reminderIds.length);
    // Assumed, not measured: DynamoDB Local and the sandboxes are not the services' latencies.
    const durations = { evaluateMs: 50, sendMs: 350, webhookMs: 30 };
    const perOperation = (usage: Usage, messages: number) =>
      Object.entries(usage.calls)
        .map(
          ([operation, count]) =>
            `${operation} ${num(count / messages, 2)}${WRITE_OPERATIONS.has(operation) ? ' (w)' : ''}`,
        )
        .join(', ');
    costs.line(
      `Counted with SDK middleware on the runtime's DynamoDB client during the end-to-end run (${int(all.events)} confirmations over the three levels; ${int(reminderIds.length)} reminders in the last phase): calls by operation (\`tests/support/count-dynamodb-calls.ts\`) and the request units DynamoDB Local reports with \`ReturnConsumedCapacity: INDEXES\` (GSI writes included; ${int(all.unreported + reminderUsage.unreported)} calls reported none, e.g. a failed conditional write).`,
    );
    costs.line('');
    costs.line(`- confirmation, DynamoDB calls per message: ${perOperation(all, all.events)}`);
    costs.line(`- reminder, DynamoDB calls per message: ${perOperation(reminderUsage, reminderIds.length)}`);
    costs.line(
      `- provider status callbacks per message: ${num(confirmation.callbacks, 2)} (sent, delivered); outcome events published per message: ${num(confirmation.outcomeEvents, 2)} (confirmation), ${num(reminder.outcomeEvents, 2)} (reminder)`,
    );
    costs.line('');
    costs.line(
      'The local runtime runs the queues and the scheduler in process, so SQS and Lambda are derived from the production wiring (infra/): the bus rule puts each journey event on the ingest queue (1 SendMessage); the evaluate event source receives and deletes per batch (≤ 10 events: 1 ReceiveMessage + 1 DeleteMessageBatch) and invokes evaluate once per batch; evaluate puts a due message on the send queue (1 SendMessage), a later one goes into the release index (an UpdateItem: 1 WRU and 1 index WRU, out again at the claim: 1 index WRU) and two overlapping sweeps put it on the send queue (SendMessageBatch, ≤ 10 a call), so it is received twice and its second copy is refused by the claim; the send event source receives and deletes per batch (≤ 5) and invokes send once per batch; every provider callback is one webhook invocation (Function URL, no extra charge). "Quiet" assumes every batch holds one record, "busy" full batches.',
    );
    costs.line('');
    costs.line(
      `Lambda durations are assumptions, not measurements (DynamoDB Local and the sandboxes do not answer like the services): evaluate ${num(durations.evaluateMs, 0)} ms (a handful of single-digit-ms DynamoDB calls), send ${num(durations.sendMs, 0)} ms (of which ~300 ms waiting for Twilio's API), webhook ${num(durations.webhookMs, 0)} ms; duration is billed per ms, so the GB-s line scales with them. Memory ${FUNCTION_MEMORY_MB.evaluate} / ${FUNCTION_MEMORY_MB.send} / ${FUNCTION_MEMORY_MB.webhook} / ${FUNCTION_MEMORY_MB.relay} MB (evaluate / send / webhook / outcome relay, arm64, as infra/ configures them); the webhook's outcome events are queued and relayed, ~20 ms per PutEvents call of 10 assumed. Secrets Manager: the three secrets (Twilio, SendGrid, the unsubscribe signing key) are read once per cold start of send and webhook (cached, not re-read per message); 100 cold starts per 100,000 messages assumed. Not included: DynamoDB storage (~2 KB per message for the 400-day retention), CloudWatch Logs, data transfer, the fixed cost of idle queue polling and of the three secrets ($1.20 a month).`,
    );
    costs.line('');
    costs.line(costReport([confirmation, reminder], durations));
    costs.line('');
    const scans = (all.calls.Scan ?? 0) + (reminderUsage.calls.Scan ?? 0);
    costs.goal(
      'zero Scans',
      scans === 0,
      `${int(scans)} Scan calls in ${int(all.total + reminderUsage.total)} DynamoDB calls`,
    );
    if (scans > 0) process.exitCode = 1;

    e2e.emit();
    costs.emit();
  } finally {
    producerProcess.stop();
    bus.destroy();
    await runtime.stop();
    rmSync(projectDir, { recursive: true, force: true });
  }
}

await main();
