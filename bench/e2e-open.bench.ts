/**
 * Benchmark: the local hot path's cost per message and its latency at a fixed offered load.
 *
 * The local runtime (DynamoDB Local in memory, the PutEvents endpoint, the in-process queue, the
 * Twilio sandbox) on a running clock, with the `callback-booked` rule (immediate, urgent). A
 * producer process offers `CallbackBooked` events at a fixed rate (open loop: every put starts at
 * its scheduled time, whatever the earlier ones are doing). After a warm-up (DynamoDB Local's JIT
 * makes its per-call cost fall ~3× over the first ~40 s; the warm-up runs the same load), it runs
 * `--reps` measured repetitions and reports, per repetition and as median (min–max):
 *
 * - CPU ms per message of the runtime's Node process (this process: the runtime and this small
 *   bookkeeping) and of DynamoDB Local's java, from the first put to the last SMS accepted;
 * - p50 / p99 latency from the put's scheduled time to the sandbox accepting the SMS, and from
 *   the PutEvents answer to that acceptance;
 * - the machine's load (1-min load average and busy share of all cores, other users included).
 *
 * Then a separate, untimed pass counts the DynamoDB calls and outcome events per message (the
 * counting middleware costs CPU, so it never runs while CPU is measured).
 *
 * `npm run bench:e2e -- …` runs the closed-loop levels; this one: `npx tsx bench/e2e-open.bench.ts
 * [--rate 50] [--warmup-s 30] [--measure-s 20] [--reps 3]` (the defaults take ~2.5 min).
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { messageIdFor } from '../functions/core/ids.ts';
import { startLocalRuntime } from '../local/runtime/local-runtime.ts';
import { countDynamoDbCalls } from '../tests/support/count-dynamodb-calls.ts';
import { findDynamoDbLocalPid } from './dynamodb-bench-support.ts';
import { epochMs, startProducers } from './e2e-producers.ts';
import { acceptedAt, benchProject, cpuSeconds, drain, machineJiffies } from './e2e-support.ts';
import { int, median, num, pct, percentile, SectionRecorder, table } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    'warmup-s': { type: 'string', default: '30' },
    'measure-s': { type: 'string', default: '20' },
    reps: { type: 'string', default: '3' },
    'count-events': { type: 'string', default: '200' },
  },
});
const RATE = Number(args.rate);
const WARM_UP_MS = Number(args['warmup-s']) * 1000;
const MEASURE_MS = Number(args['measure-s']) * 1000;
const REPS = Number(args.reps);
const COUNT_EVENTS = Number(args['count-events']);
/** The goals. */
const GOAL = { nodeCpuMs: 6, p99Ms: 250 };

const watchdog = setTimeout(() => {
  console.error('open-loop e2e benchmark: over 15 minutes, giving up');
  process.exit(2);
}, 900_000);
watchdog.unref();

interface Rep {
  messages: number;
  failedPuts: number;
  missing: number;
  nodeCpuMs: number;
  javaCpuMs: number;
  p50: number;
  p99: number;
  ackP99: number;
  max: number;
  load: number;
  machineBusy: number;
}

type Runtime = Awaited<ReturnType<typeof startLocalRuntime>>;
type ProducerProcess = ReturnType<typeof startProducers>;

/** One open-loop run: offers RATE events/s for `durationMs`, waits for every SMS, measures. */
async function openLoopRun(
  runtime: Runtime,
  producers: ProducerProcess,
  javaPid: number | undefined,
  firstSequence: number,
  durationMs: number,
): Promise<Rep & { nextSequence: number }> {
  const offsetMs = runtime.clock.nowMillis() - epochMs();
  const before = {
    node: process.cpuUsage(),
    java: javaPid === undefined ? Number.NaN : cpuSeconds(javaPid),
    machine: machineJiffies(),
  };
  const done = await producers.run({
    endpoint: runtime.urls.events,
    producers: 1,
    ratePerSecond: RATE,
    durationMs,
    firstSequence,
  });
  const ids = done.puts.map((put) => messageIdFor('callback-booked', put.eventId));
  const missing = await drain(runtime, ids);
  const node = process.cpuUsage(before.node);
  const java = javaPid === undefined ? Number.NaN : cpuSeconds(javaPid) - before.java;
  const machine = machineJiffies();
  const accepted = acceptedAt(runtime, offsetMs);
  const latencies: number[] = [];
  const afterAck: number[] = [];
  done.puts.forEach((put, i) => {
    const at = accepted.get(ids[i] ?? '');
    if (at === undefined) return;
    latencies.push(at - put.putAt);
    afterAck.push(at - put.ackAt);
  });
  const messages = Math.max(1, done.puts.length);
  return {
    nextSequence: done.nextSequence,
    messages: done.puts.length,
    failedPuts: done.failures,
    missing,
    nodeCpuMs: (node.user + node.system) / 1000 / messages,
    javaCpuMs: (java * 1000) / messages,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ackP99: percentile(afterAck, 99),
    max: percentile(latencies, 100),
    load: loadavg()[0] ?? Number.NaN,
    machineBusy: (machine.busy - before.machine.busy) / (machine.total - before.machine.total),
  };
}

/** `median (min–max)` of one figure over the repetitions. */
function spread(reps: ReadonlyArray<Rep>, pick: (rep: Rep) => number, digits = 1): string {
  const values = reps.map(pick);
  return `${num(median(values), digits)} (${num(Math.min(...values), digits)}–${num(Math.max(...values), digits)})`;
}

/** The untimed pass: DynamoDB calls and outcome events per message, with the counting middleware on. */
async function countingPass(runtime: Runtime, producers: ProducerProcess, firstSequence: number) {
  const calls = countDynamoDbCalls(runtime.dynamoClient);
  const outcomesBefore = runtime.outcomes().length;
  const done = await producers.run({
    endpoint: runtime.urls.events,
    producers: 1,
    ratePerSecond: RATE,
    durationMs: (COUNT_EVENTS / RATE) * 1000,
    firstSequence,
  });
  await drain(
    runtime,
    done.puts.map((put) => messageIdFor('callback-booked', put.eventId)),
  );
  const messages = Math.max(1, done.puts.length);
  return {
    messages: done.puts.length,
    calls: calls.total() / messages,
    writes: calls.writes() / messages,
    byOperation: Object.entries(calls.counts())
      .map(([operation, count]) => `${operation} ${num(count / messages, 2)}`)
      .join(', '),
    outcomes: (runtime.outcomes().length - outcomesBefore) / messages,
  };
}

async function main(): Promise<void> {
  const report = new SectionRecorder(
    '2-e2e-open',
    'End to end, open loop',
    'npx tsx bench/e2e-open.bench.ts',
  );
  const projectDir = benchProject();
  const runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    speed: 1,
    ports: { console: 0, events: 0 },
  });
  const producers = startProducers();
  try {
    const javaPid = findDynamoDbLocalPid(Number(new URL(runtime.urls.dynamodb).port));
    report.progress(`warming up: ${RATE} events/s for ${WARM_UP_MS / 1000} s…`);
    let sequence = (await openLoopRun(runtime, producers, javaPid, 0, WARM_UP_MS)).nextSequence;
    const reps: Rep[] = [];
    for (let rep = 1; rep <= REPS; rep++) {
      const run = await openLoopRun(runtime, producers, javaPid, sequence, MEASURE_MS);
      sequence = run.nextSequence;
      reps.push(run);
      report.progress(
        `rep ${rep}: ${num(run.nodeCpuMs)} ms Node, ${num(run.javaCpuMs)} ms java per message; p50 ${num(run.p50, 0)} ms, p99 ${num(run.p99, 0)} ms; load ${num(run.load, 2)}`,
      );
    }
    const counted = await countingPass(runtime, producers, sequence);
    writeReport(report, reps, counted);
    report.emit();
  } finally {
    producers.stop();
    await runtime.stop();
    rmSync(projectDir, { recursive: true, force: true });
  }
}

function writeReport(
  report: SectionRecorder,
  reps: ReadonlyArray<Rep>,
  counted: Awaited<ReturnType<typeof countingPass>>,
): void {
  report.line(
    `Open loop: ${num(RATE, 0)} \`CallbackBooked\` events/s offered at fixed times by a producer process (PutEvents, one entry each), ${num(WARM_UP_MS / 1000, 0)} s of warm-up at the same load, then ${REPS} repetitions of ${num(MEASURE_MS / 1000, 0)} s; each repetition waits until every SMS is accepted. CPU per message: the runtime's Node process and DynamoDB Local's java, from the first put to the last SMS, divided by the events put. Latency: the put's scheduled time → the Twilio sandbox accepts the SMS ("after ack": the PutEvents answer → accepted). Load: 1-min load average at the end of the repetition, and the busy share of both cores over it (every process on this shared machine).`,
  );
  report.line('');
  report.line(
    table(
      [
        'rep',
        'events',
        'Node CPU ms/msg',
        'java CPU ms/msg',
        'p50 ms',
        'p99 ms',
        'after-ack p99 ms',
        'max ms',
        'load',
        'machine busy',
        'lost',
      ],
      reps.map((rep, i) => [
        int(i + 1),
        int(rep.messages),
        num(rep.nodeCpuMs),
        num(rep.javaCpuMs),
        num(rep.p50, 0),
        num(rep.p99, 0),
        num(rep.ackP99, 0),
        num(rep.max, 0),
        num(rep.load, 2),
        pct(rep.machineBusy),
        int(rep.missing + rep.failedPuts),
      ]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  report.line('');
  report.line(
    `Median (min–max) over ${REPS}: Node ${spread(reps, (r) => r.nodeCpuMs)} ms/msg, java ${spread(reps, (r) => r.javaCpuMs)} ms/msg, p50 ${spread(reps, (r) => r.p50, 0)} ms, p99 ${spread(reps, (r) => r.p99, 0)} ms, load ${spread(reps, (r) => r.load, 2)}.`,
  );
  report.line(
    `Counted in a separate pass of ${int(counted.messages)} events (not timed): ${num(counted.calls, 2)} DynamoDB calls and ${num(counted.writes, 2)} writes per message (${counted.byOperation}); ${num(counted.outcomes, 2)} outcome events per message.`,
  );
  report.line('');
  const nodeMedian = median(reps.map((r) => r.nodeCpuMs));
  const p99Median = median(reps.map((r) => r.p99));
  report.goal(
    `Node CPU ≤ ${GOAL.nodeCpuMs} ms per message (open loop, ${num(RATE, 0)}/s)`,
    nodeMedian <= GOAL.nodeCpuMs,
    `median ${spread(reps, (r) => r.nodeCpuMs)} ms; java ${spread(reps, (r) => r.javaCpuMs)} ms`,
  );
  report.goal(
    `p99 < ${GOAL.p99Ms} ms at ${num(RATE, 0)} messages/s offered`,
    p99Median < GOAL.p99Ms,
    `median p99 ${spread(reps, (r) => r.p99, 0)} ms at load ${spread(reps, (r) => r.load, 2)}`,
  );
}

await main();
