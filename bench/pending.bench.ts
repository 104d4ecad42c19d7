/**
 * Benchmark: cancelling one pending reminder among 1,000 and among 100,000 pending ones. The
 * closing event goes through the production use case (`evaluateEvent` with the shipped rules and
 * the DynamoDB store on DynamoDB Local, in memory), so the figure is what the evaluate function
 * does: find the pending messages by correlation key (a Query on the sparse `lifecycle` index and
 * a consistent BatchGetItem), move the one found to `cancelled` with a conditional UpdateItem, and
 * delete its schedule. Neither the time nor the calls may grow with the number pending.
 *
 * Seeding: one real reminder is planned through `evaluateEvent`, its item is read back raw, and
 * copies with new ids (message, policy, customer) are written with BatchWriteItem, so every
 * seeded item has exactly the layout the store writes.
 *
 * Run with `npm run bench:pending`.
 */
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { createDynamoStores } from '../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../functions/adapters/dynamodb/table-design.ts';
import { loadProject } from '../functions/adapters/files/load-project.ts';
import { systemClock } from '../functions/adapters/system-clock.ts';
import { type EvaluateDeps, evaluateEvent } from '../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../functions/app/ports.ts';
import { messageIdFor } from '../functions/core/ids.ts';
import { compileRuleSet } from '../functions/core/rules/rule-set.ts';
import { composeEvaluate } from '../functions/wiring/compose.ts';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls } from '../tests/support/count-dynamodb-calls.ts';
import { localDynamoClient, trackConsumedCapacity } from './dynamodb-bench-support.ts';
import { int, median, num, percentile, SectionRecorder, table } from './report.ts';

const REPO = join(import.meta.dirname, '..');
const SIZES = [1_000, 100_000] as const;
/** Cancels measured per size, each of a different pending reminder. */
const CANCELS = 40;
/** Cancels run first and not counted (JIT, DynamoDB Local's caches). */
const WARM_UP_CANCELS = 10;
const BATCH = 25;
const SEED_CONCURRENCY = 8;

const watchdog = setTimeout(() => {
  console.error('pending benchmark: over 8 minutes, giving up');
  process.exit(2);
}, 480_000);
watchdog.unref();

/** The Scheduler port, counting calls: in production each is one EventBridge Scheduler API call. */
class CountingScheduler implements SendScheduler {
  scheduled = 0;
  cancelled = 0;
  async schedule(): Promise<void> {
    this.scheduled++;
  }
  async cancel(): Promise<void> {
    this.cancelled++;
  }
}

const pad = (n: number) => String(n).padStart(7, '0');
const policyOf = (n: number) => `P-SEED-${pad(n)}`;
const customerOf = (n: number) => `cust-seed-${pad(n)}`;

function renewalEvent(n: number, renewalDate: string) {
  return {
    version: '0',
    id: `seed-${pad(n)}`,
    'detail-type': 'PolicyRenewalScheduled',
    source: 'acme.policy',
    account: '111122223333',
    time: DateTime.utc().toISO({ suppressMilliseconds: true }),
    region: 'eu-north-1',
    resources: [],
    detail: {
      policyId: policyOf(n),
      policyNumber: `HEM-${pad(n)}`,
      renewalDate,
      newPremium: 2450.5,
      currency: 'SEK',
      customer: {
        id: customerOf(n),
        firstName: 'Anna',
        phone: `+4670${pad(n)}`,
        locale: 'sv-SE',
        timeZone: 'Europe/Stockholm',
      },
    },
  };
}

function renewedEvent(n: number) {
  return {
    version: '0',
    id: `renewed-${pad(n)}`,
    'detail-type': 'PolicyRenewed',
    source: 'acme.policy',
    account: '111122223333',
    time: DateTime.utc().toISO({ suppressMilliseconds: true }),
    region: 'eu-north-1',
    resources: [],
    detail: { policyId: policyOf(n), customer: { id: customerOf(n) } },
  };
}

/** Writes `requests` with BatchWriteItem, retrying unprocessed items, `SEED_CONCURRENCY` batches at a time. */
async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  requests: WriteRequest[],
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      let pending = requests.slice(next, next + BATCH);
      next += BATCH;
      for (let round = 0; pending.length > 0; round++) {
        if (round > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
        const answer: BatchWriteItemCommandOutput = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
        );
        pending = answer.UnprocessedItems?.[tableName] ?? [];
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

interface SizeResult {
  pending: number;
  seedSeconds: number;
  times: number[];
  callsPerCancel: Record<string, number>;
  totalCalls: number;
  readUnits: number;
  writeUnits: number;
  schedulerCalls: number;
  closed: number;
}

async function main(): Promise<void> {
  const report = new SectionRecorder('5-pending', 'Scale of pending reminders', 'npm run bench:pending');
  const project = loadProject({
    rules: join(REPO, 'rules'),
    templates: join(REPO, 'templates'),
    config: join(REPO, 'nudge.config.yaml'),
  });
  if (project.issues.length > 0) throw new Error('the shipped rules are invalid');
  const rules = compileRuleSet(project.rules.map((loaded) => loaded.rule));
  const dynamo = await startDynamoDbLocal();
  const clients: DynamoDBClient[] = [];
  try {
    // Both tables are seeded first, then the cancels alternate between them, so both sizes are
    // measured on the same (warm) DynamoDB Local and not one colder than the other.
    const renewalDate = DateTime.utc().plus({ days: 60 }).toISODate() ?? '';
    const seeded: Array<{
      size: number;
      client: DynamoDBClient;
      deps: EvaluateDeps;
      scheduler: CountingScheduler;
      seedSeconds: number;
    }> = [];
    for (const size of SIZES) {
      const tableName = `bench-pending-${size}`;
      // A client per table, so the calls of each size are counted apart.
      const tableClient = localDynamoClient(dynamo.endpoint);
      clients.push(tableClient);
      await createJourneyTable(tableClient, tableName);
      const stores = createDynamoStores({ tableName, client: tableClient, clock: systemClock });
      const scheduler = new CountingScheduler();
      const deps = composeEvaluate({
        stores,
        scheduler,
        clock: systemClock,
        project: { settings: project.settings, rules },
      });

      // The template: reminder 0, planned by the use case itself (a renewal far enough ahead that
      // every reminder is still pending while we cancel).
      const planned = await evaluateEvent(renewalEvent(0, renewalDate), deps);
      const templateId = planned.planned[0]?.messageId;
      if (templateId === undefined || planned.planned[0]?.outcome !== 'scheduled') {
        throw new Error(`the template reminder was not scheduled: ${JSON.stringify(planned)}`);
      }
      const raw = await tableClient.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { PK: { S: `MSG#${templateId}` }, SK: { S: 'MSG' } },
        }),
      );
      const template = JSON.stringify(raw.Item);
      if (!template.includes(policyOf(0)) || !template.includes('PENDING#')) {
        throw new Error('the template item does not hold the policy id and the pending key');
      }
      report.progress(`${int(size)} pending: seeding…`);
      const seedStarted = performance.now();
      const requests: WriteRequest[] = [];
      for (let n = 1; n < size; n++) {
        const text = template
          .replaceAll(templateId, messageIdFor('renewal-reminder', `seed-${pad(n)}`))
          .replaceAll(policyOf(0), policyOf(n))
          .replaceAll(customerOf(0), customerOf(n))
          .replaceAll(`seed-${pad(0)}`, `seed-${pad(n)}`);
        requests.push({ PutRequest: { Item: JSON.parse(text) } });
      }
      await batchWrite(tableClient, tableName, requests);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      report.progress(`${int(size)} pending: seeded in ${num(seedSeconds)} s`);
      seeded.push({ size, client: tableClient, deps, scheduler, seedSeconds });
    }

    report.progress('cancelling, alternating between the tables…');
    const rounds = WARM_UP_CANCELS + CANCELS;
    const measured = seeded.map((table) => ({
      table,
      // Reminders spread over the whole seeded range.
      targets: Array.from(
        { length: rounds },
        (_, i) => 1 + Math.floor(((i + 0.5) * (table.size - 1)) / rounds),
      ),
      calls: countDynamoDbCalls(table.client),
      capacity: trackConsumedCapacity(table.client),
      times: [] as number[],
      closed: 0,
      schedulerBefore: table.scheduler.cancelled,
    }));
    for (let round = 0; round < rounds; round++) {
      for (const entry of measured) {
        if (round === WARM_UP_CANCELS) {
          entry.calls.reset();
          entry.capacity.reset();
          entry.schedulerBefore = entry.table.scheduler.cancelled;
        }
        const started = performance.now();
        const result = await evaluateEvent(renewedEvent(entry.targets[round] ?? 1), entry.table.deps);
        const elapsed = performance.now() - started;
        if (round >= WARM_UP_CANCELS) {
          entry.times.push(elapsed);
          entry.closed += result.closed.length;
        }
      }
    }
    const results: SizeResult[] = measured.map((entry) => ({
      pending: entry.table.size,
      seedSeconds: entry.table.seedSeconds,
      times: entry.times,
      callsPerCancel: Object.fromEntries(
        Object.entries(entry.calls.counts()).map(([op, n]) => [op, n / CANCELS]),
      ),
      totalCalls: entry.calls.total() / CANCELS,
      readUnits: entry.capacity.readUnits() / CANCELS,
      writeUnits: entry.capacity.writeUnits() / CANCELS,
      schedulerCalls: (entry.table.scheduler.cancelled - entry.schedulerBefore) / CANCELS,
      closed: entry.closed,
    }));

    report.line(
      `A \`PolicyRenewed\` event cancels one pending \`renewal-reminder\` through \`evaluateEvent\` (the evaluate function's use case, the shipped rules, the DynamoDB store) on DynamoDB Local in memory. Each table is seeded with that many pending reminders, one per policy (BatchWriteItem of copies of a reminder the use case planned). ${CANCELS} cancels per size, spread over the seeded range and alternating between the two tables, after ${WARM_UP_CANCELS} unmeasured ones; each is the whole evaluation of the closing event (the profile lookup included).`,
    );
    report.line('');
    report.line(
      table(
        [
          'pending reminders',
          'cancelled',
          'median ms',
          'p95 ms',
          'DynamoDB calls per cancel',
          'by operation',
          'RRU / WRU per cancel',
          'Scheduler calls (DeleteSchedule)',
          'seeding',
        ],
        results.map((result) => [
          int(result.pending),
          `${int(result.closed)} / ${int(CANCELS)}`,
          num(median(result.times)),
          num(percentile(result.times, 95)),
          num(result.totalCalls, 2),
          Object.entries(result.callsPerCancel)
            .map(([op, n]) => `${op} ${num(n, 2)}`)
            .join(', '),
          `${num(result.readUnits, 2)} / ${num(result.writeUnits, 2)}`,
          num(result.schedulerCalls, 2),
          `${num(result.seedSeconds)} s`,
        ]),
        ['r', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
      ),
    );
    report.line('');
    const [small, large] = results;
    if (small !== undefined && large !== undefined) {
      const sameCalls = small.totalCalls === large.totalCalls && small.readUnits === large.readUnits;
      const ratio = median(large.times) / median(small.times);
      report.goal(
        'cancelling does not grow with the number pending (calls)',
        sameCalls && small.closed === CANCELS && large.closed === CANCELS,
        `${num(small.totalCalls, 2)} calls and ${num(small.readUnits, 2)} RRU at ${int(small.pending)}, ${num(large.totalCalls, 2)} and ${num(large.readUnits, 2)} at ${int(large.pending)}`,
      );
      report.goal(
        'cancelling does not grow with the number pending (time)',
        ratio < 1.5,
        `median ${num(median(small.times))} ms at ${int(small.pending)}, ${num(median(large.times))} ms at ${int(large.pending)} (${num(ratio, 2)}×)`,
      );
      const scans = (small.callsPerCancel.Scan ?? 0) + (large.callsPerCancel.Scan ?? 0);
      report.goal('zero Scans', scans === 0, `${int(scans)} Scan calls`);
      if (scans > 0) process.exitCode = 1;
    }
    report.emit();
  } finally {
    for (const client of clients) client.destroy();
    await dynamo.stop();
  }
}

await main();
