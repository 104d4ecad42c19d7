/**
 * Benchmark: version pick-up latency. In the local runtime as `npm start` runs it (DynamoDB Local,
 * real time, the same ActiveProject cache as the Lambda functions: one pointer read per 30 s),
 * a new rule-set version is published through the store, as `nudge rules publish` does, while a
 * light load of matching events arrives (one every 200 ms); the figure is the time from the
 * publish returning to the first message planned under the new version. Three publishes, at
 * different points of the cache period; median and spread. Not a test: it takes about a minute
 * and a half.
 *
 * Run with `npm run bench:pickup`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRuleSetFiles } from '../functions/adapters/files/rule-set-files.ts';
import { startLocalRuntime } from '../local/runtime/local-runtime.ts';

const RUNS = 3;
const EVENT_EVERY_MS = 200;
const RULE = `id: order-thanks
description: Thanks right after an order.
on: { source: [acme.orders], detail-type: [OrderPlaced] }
send: immediately
window: always
channels: [sms]
template: order-thanks
`;

const dir = mkdtempSync(join(tmpdir(), 'nudge-pickup-'));
mkdirSync(join(dir, 'rules'));
mkdirSync(join(dir, 'templates', 'order-thanks'), { recursive: true });
mkdirSync(join(dir, 'examples', 'events'), { recursive: true });
writeFileSync(join(dir, 'rules', 'order-thanks.yaml'), RULE);
writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n');
const template = (text: string) =>
  writeFileSync(join(dir, 'templates', 'order-thanks', 'en.sms.liquid'), `${text} {{ detail.orderId }}\n`);
template('Thanks (v1) for order');

const runtime = await startLocalRuntime({
  projectDir: dir,
  demo: false,
  watch: false,
  speed: 1,
  ports: { console: 0, events: 0 },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let sent = 0;

/** Evaluates one order event; the version its message was planned under. */
async function oneEvent(): Promise<number | undefined> {
  sent++;
  const orderId = `P-${sent}`;
  await runtime.evaluate({
    version: '0',
    id: `ev-${orderId}`,
    source: 'acme.orders',
    'detail-type': 'OrderPlaced',
    time: runtime.clock.now().toISO(),
    detail: { orderId, customer: { id: `cust-${orderId}`, phone: '+46701234500' } },
  });
  const [record] = (await runtime.stores.queries.customerTimeline(`cust-${orderId}`, 1)).messages;
  return record?.ruleSetVersion;
}

const latencies: number[] = [];
try {
  await oneEvent(); // the runtime's first pointer read starts its cache period
  for (let run = 1; run <= RUNS; run++) {
    // Publish at a different point of the 30 s cache period each time.
    await sleep(run * 7_000);
    template(`Thanks (v${run + 1}) for order`);
    const files = readRuleSetFiles({
      rules: join(dir, 'rules'),
      templates: join(dir, 'templates'),
      config: join(dir, 'nudge.config.yaml'),
    });
    if (!files.ok) throw new Error('fixture invalid');
    const active = await runtime.stores.ruleSets.active();
    const move = await runtime.stores.ruleSets.publish(files.content, {
      expectedVersion: active?.version,
      at: new Date().toISOString(),
      by: 'bench',
      message: `pick-up run ${run}`,
    });
    const published = performance.now();
    for (;;) {
      if ((await oneEvent()) === move.to) break;
      await sleep(EVENT_EVERY_MS);
    }
    const ms = performance.now() - published;
    latencies.push(ms);
    process.stdout.write(`run ${run}: version ${move.to} picked up after ${(ms / 1000).toFixed(1)} s\n`);
  }
} finally {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...latencies].sort((a, b) => a - b);
const s = (ms: number | undefined) => `${((ms ?? Number.NaN) / 1000).toFixed(1)} s`;
process.stdout.write(
  `pick-up latency over ${RUNS} publishes: median ${s(sorted[1])}, min ${s(sorted[0])}, max ${s(sorted.at(-1))} ` +
    `(cache period 30 s; load: one matching event every ${EVENT_EVERY_MS} ms, ${sent} events)\n`,
);
