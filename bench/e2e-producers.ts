/**
 * The producers of the end-to-end benchmark, in a child process of their own: they stand for the
 * company's systems, so their SDK work (signing, HTTP) must not share the runtime's event loop.
 * Each producer puts one `CallbackBooked` event at a time with `@aws-sdk/client-eventbridge` and
 * waits for the answer before the next.
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
  const producer = async () => {
    while (epochMs() < until) {
      const n = sequence++;
      const putAt = epochMs();
      const answer = await bus.send(
        new PutEventsCommand({
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
        }),
      );
      const eventId = answer.Entries?.[0]?.EventId;
      if (eventId === undefined || (answer.FailedEntryCount ?? 0) > 0) failures++;
      else puts.push({ sequence: n, eventId, putAt, ackAt: epochMs() });
    }
  };
  await Promise.all(Array.from({ length: command.producers }, producer));
  bus.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  return { type: 'done', puts, failures, nextSequence: sequence, cpuMs: (cpu.user + cpu.system) / 1000 };
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
