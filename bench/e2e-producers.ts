/**
 * The producers of the end-to-end benchmark, in a child process of their own: they stand for the
 * company's systems, so their SDK work (signing, HTTP) must not share the runtime's event loop.
 * Each put is one `CallbackBooked` event with `@aws-sdk/client-eventbridge`. Closed loop: each of
 * `producers` waits for its answer before the next. Open loop (`ratePerSecond`): puts start at
 * fixed times whatever the answers, so a slow runtime shows as latency, not as a lower offer.
 *
 * The parent sends `{ type: 'run', … }` over IPC and gets `{ type: 'done', … }` back; timestamps
 * are epoch milliseconds with sub-millisecond resolution (`performance.timeOrigin + now`), which
 * both processes read from the same system clock.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';

/** Epoch ms, sub-millisecond, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A customer per event: a first booking, so each event also writes a profile (the costlier case). */
export function benchCustomer(sequence: number) {
  return {
    id: `cust-bench-${sequence}`,
    firstName: 'Anna',
    // Swedish mobile numbers, unique per event so every message is its own conversation.
    phone: `+4670${String(sequence).padStart(7, '0')}`,
    email: `anna.${sequence}@example.se`,
    locale: 'sv-SE',
    timeZone: 'Europe/Stockholm',
  };
}

const RunSchema = z.object({
  type: z.literal('run'),
  endpoint: z.string(),
  producers: z.number().int().positive(),
  durationMs: z.number().positive(),
  firstSequence: z.number().int().nonnegative(),
  /**
   * Open loop: puts offered at this fixed rate (one every 1000/rate ms, each at its scheduled
   * time whether or not earlier ones were answered); `producers` is then ignored.
   */
  ratePerSecond: z.number().positive().optional(),
});
type Run = z.infer<typeof RunSchema>;

const PutSchema = z.object({
  sequence: z.number(),
  eventId: z.string(),
  putAt: z.number(),
  ackAt: z.number(),
});
/** One acknowledged event. */
export type ProducedPut = z.infer<typeof PutSchema>;

const DoneSchema = z.object({
  type: z.literal('done'),
  puts: z.array(PutSchema),
  failures: z.number(),
  nextSequence: z.number(),
  /** CPU the producer process used during the run, ms. */
  cpuMs: z.number(),
});
type Done = z.infer<typeof DoneSchema>;

async function run(command: Run): Promise<Done> {
  const bus = new EventBridgeClient({
    endpoint: command.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const puts: ProducedPut[] = [];
  const cpuBefore = process.cpuUsage();
  let failures = 0;
  let sequence = command.firstSequence;
  const until = epochMs() + command.durationMs;
  /** One put; `putAt` is when it was due (open loop) or sent (closed loop). */
  const putOne = async (n: number, putAt: number) => {
    try {
      const answer = await bus.send(callbackBooked(n, putAt));
      const eventId = answer.Entries?.[0]?.EventId;
      if (eventId === undefined || (answer.FailedEntryCount ?? 0) > 0) failures++;
      else puts.push({ sequence: n, eventId, putAt, ackAt: epochMs() });
    } catch {
      failures++;
    }
  };
  const rate = command.ratePerSecond;
  if (rate === undefined) {
    const producer = async () => {
      while (epochMs() < until) await putOne(sequence++, epochMs());
    };
    await Promise.all(Array.from({ length: command.producers }, producer));
  } else {
    await openLoop(rate, until, () => sequence++, putOne);
  }
  bus.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  return { type: 'done', puts, failures, nextSequence: sequence, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function callbackBooked(n: number, putAt: number): PutEventsCommand {
  return new PutEventsCommand({
    Entries: [
      {
        Source: 'acme.contact-centre',
        DetailType: 'CallbackBooked',
        Detail: JSON.stringify({
          callbackId: `CB-${n}`,
          caseId: `K-${n}`,
          callbackAt: new Date(putAt + 3 * 3_600_000).toISOString(),
          customer: benchCustomer(n),
        }),
      },
    ],
  });
}

/**
 * Offers puts at a fixed rate until `until`: the i-th is due at start + i × (1000 / rate) ms and
 * starts then (or as soon after as this process's timers allow), never waiting for an answer.
 */
async function openLoop(
  rate: number,
  until: number,
  next: () => number,
  putOne: (n: number, putAt: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / rate;
  const start = epochMs();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; ; i++) {
    const due = start + i * intervalMs;
    if (due >= until) break;
    const wait = due - epochMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(putOne(next(), due));
  }
  await Promise.all(inFlight);
}

/** The parent's handle on the producer process. */
export interface Producers {
  run(options: Omit<Run, 'type'>): Promise<Done>;
  stop(): void;
}

/** Forks this file as the producer process (with the same TypeScript loader as this one). */
export function startProducers(): Producers {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--producers'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // The SDK's Node-version notice and other noise stay out of the report; errors surface below.
  child.stderr?.resume();
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  return {
    run: (options) =>
      new Promise((resolve, reject) => {
        const onMessage = (message: unknown) => {
          const done = DoneSchema.safeParse(message);
          if (!done.success) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(done.data);
        };
        const onExit = (code: number | null) => {
          child.off('message', onMessage);
          reject(new Error(`the producer process exited (${code})`));
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send({ type: 'run', ...options });
      }),
    stop: () => {
      process.off('exit', stop);
      stop();
    },
  };
}

if (process.argv.includes('--producers') && process.send !== undefined) {
  process.on('message', (message: unknown) => {
    const command = RunSchema.safeParse(message);
    if (!command.success) return;
    void run(command.data).then(
      (done) => process.send?.(done),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  // Never outlive the parent: it owns the run.
  process.on('disconnect', () => process.exit(0));
}
