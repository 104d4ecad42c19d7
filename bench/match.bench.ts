/**
 * Benchmark: the compiled pattern index against a plain loop of `matchesPattern`, on rule sets of
 * 10 to 10,000 realistic journey rules and a stream of realistic journey events (fixed seed).
 *
 * Run with `npm run bench:match` (or `npx tsx bench/match.bench.ts`). Prints a markdown table.
 * Before timing, it checks that the index and the loop agree on every event of the stream.
 *
 * When it is installed (`npm run bench:peer`, into bench/.peer: it is not a dependency of Nudge),
 * the same rules and events then go through a published JavaScript implementation,
 * `serverless-offline-aws-eventbridge` (see peer-eventbridge-matcher.ts): first its answers are
 * compared with ours on a sample of the stream (disagreements are printed with an example), then
 * its rate is measured on the patterns it can express. A few probes show where it differs from
 * EventBridge's documented behaviour. Without it, the report says the comparison was skipped and
 * how to enable it. `npm run bench` puts all of it in BENCHMARKS.md.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compilePatternIndex, type EventPattern, matchesPattern } from '../functions/core/pattern/index.ts';
import {
  catalogue,
  makeEvent,
  makeOperatorEvent,
  makeOperatorRule,
  makeRule,
  random,
} from './match-fixture.ts';
import {
  createPeerMatcher,
  type LoadedPeer,
  loadPeer,
  PEER_NAME,
  peerMatchesOne,
  toPeerEntry,
} from './peer-eventbridge-matcher.ts';
import { int, num, SectionRecorder, table } from './report.ts';

// --- measurement -----------------------------------------------------------------------------------

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Events per second of `run` over `events`, cycling until at least `minimumMs` have passed. */
function rate(events: ReadonlyArray<unknown>, run: (event: unknown) => unknown, minimumMs: number): number {
  let processed = 0;
  const started = now();
  let elapsed = 0;
  do {
    for (const event of events) run(event);
    processed += events.length;
    elapsed = now() - started;
  } while (elapsed < minimumMs);
  return (processed / elapsed) * 1000;
}

/**
 * The best of several trials: the machine is shared, so a slow trial measures the neighbours, not
 * the code. The best trial is the closest to the code's own speed.
 */
function bestRate(
  events: ReadonlyArray<unknown>,
  run: (event: unknown) => unknown,
  trials: number,
  trialMs: number,
) {
  let best = 0;
  for (let trial = 0; trial < trials; trial++) best = Math.max(best, rate(events, run, trialMs));
  return best;
}

const RULE_COUNTS = [10, 100, 1_000, 10_000];
const EVENT_COUNT = 1_000;

/** Events kept hot in cache, as right after parsing: the index's own cost, without memory stalls. */
const HOT_EVENT_COUNT = 100;

/**
 * Events the peer is checked and timed on, per rule count. It parses `Detail` and runs JSONPath
 * queries for every rule on every event (~0.1 ms per rule here), so at 10,000 rules one event takes
 * about a second: the sample shrinks as the rule set grows to keep the run within minutes.
 */
const PEER_SAMPLE: ReadonlyMap<number, number> = new Map([
  [10, 1_000],
  [100, 200],
  [1_000, 40],
  [10_000, 6],
]);

/** Events the peer sees before its timing starts (JIT warm-up); they are still compared. */
const PEER_WARM_UP = 2;

interface PeerRow {
  count: number;
  expressible: number;
  excludedReasons: Map<string, number>;
  checked: number;
  disagreements: Array<{ event: number; ours: number[]; peer: number[] }>;
  rate: number;
  /** Our index on the same sample, for the ratio. */
  indexRate: number;
  exampleEvent?: unknown;
  examplePatterns?: Record<number, EventPattern>;
}
const peerRows: PeerRow[] = [];
const peer = loadPeer();
if (!peer.ok) process.stdout.write(`  comparison skipped: ${peer.reason}\n`);

// Created before the measurements, so the section's wall time covers them.
const report = new SectionRecorder('1-match', 'Matching', 'npm run bench:match');

const rows: string[] = [];
const rates = new Map<number, number>();
const hotRates = new Map<number, number>();
const loopRates = new Map<number, number>();
for (const count of RULE_COUNTS) {
  // Same seeds for every size: the rule set and the event stream of a deployment of that size.
  const products = catalogue(count);
  const ruleRng = random(0x5eed);
  const rules = Array.from({ length: count }, (_, position) => makeRule(ruleRng, position, products));
  const eventRng = random(0xe4e47);
  const events = Array.from({ length: EVENT_COUNT }, (_, sequence) =>
    makeEvent(eventRng, sequence, products),
  );
  const compileStarted = now();
  const index = compilePatternIndex(rules.map((pattern, position) => ({ pattern, value: position })));
  const compileMs = now() - compileStarted;
  const loop = (event: unknown) =>
    rules.flatMap((pattern, position) => (matchesPattern(pattern, event) ? [position] : []));

  // Agreement first: the index must return exactly what the loop returns, for every event.
  let matches = 0;
  const expected: number[][] = [];
  for (const event of events) {
    const indexed = index.match(event);
    const looped = loop(event);
    expected.push(looped);
    if (indexed.length !== looped.length || indexed.some((value, position) => value !== looped[position])) {
      throw new Error(`index and loop disagree at ${count} rules: ${JSON.stringify({ indexed, looped })}`);
    }
    matches += indexed.length;
  }

  rate(events, (event) => index.match(event), 300); // warm-up
  const indexRate = bestRate(events, (event) => index.match(event), 7, 300);
  const loopSample = count >= 1_000 ? events.slice(0, 100) : events;
  const loopRate = bestRate(loopSample, loop, 3, 300);
  const hotEvents = events.slice(0, HOT_EVENT_COUNT);
  const hotRate = bestRate(hotEvents, (event) => index.match(event), 7, 300);
  rates.set(count, indexRate);
  hotRates.set(count, hotRate);
  loopRates.set(count, loopRate);
  if (peer.ok) peerRows.push(measurePeer(peer, count, rules, events, expected, index));
  rows.push(
    `| ${count.toLocaleString('en-GB')} | ${Math.round(indexRate).toLocaleString('en-GB')} | ${Math.round(loopRate).toLocaleString('en-GB')} | ${(indexRate / loopRate).toFixed(1)}× | ${(matches / events.length).toFixed(2)} | ${Math.round(hotRate).toLocaleString('en-GB')} | ${compileMs.toFixed(0)} ms |`,
  );
}

/**
 * The peer on the same rules and events: agreement on the first events of the stream (ours
 * restricted to the rules it can express), then its rate on those events next to our index's.
 */
function measurePeer(
  loaded: Extract<LoadedPeer, { ok: true }>,
  count: number,
  rules: ReadonlyArray<EventPattern>,
  events: ReadonlyArray<unknown>,
  expected: ReadonlyArray<ReadonlyArray<number>>,
  index: { match(event: unknown): unknown },
): PeerRow {
  const matcher = createPeerMatcher(loaded.plugin, rules);
  const excluded = new Set(matcher.excluded.map((entry) => entry.position));
  const excludedReasons = new Map<string, number>();
  for (const { reason } of matcher.excluded)
    excludedReasons.set(reason, (excludedReasons.get(reason) ?? 0) + 1);
  const sample = events.slice(0, PEER_SAMPLE.get(count) ?? 10);
  const entries = sample.map(toPeerEntry);
  const disagreements: PeerRow['disagreements'] = [];
  // One pass does both: the comparison, and (after the warm-up) the timing of the peer's calls only.
  let timedMs = 0;
  entries.forEach((entry, position) => {
    const ours = (expected[position] ?? []).filter((rule) => !excluded.has(rule));
    const started = now();
    const theirs = matcher.match(entry);
    if (position >= PEER_WARM_UP) timedMs += now() - started;
    if (ours.length !== theirs.length || ours.some((rule, at) => rule !== theirs[at])) {
      disagreements.push({ event: position, ours, peer: theirs });
    }
  });
  const first = disagreements[0];
  const differing =
    first === undefined
      ? []
      : [
          ...first.ours.filter((rule) => !first.peer.includes(rule)),
          ...first.peer.filter((rule) => !first.ours.includes(rule)),
        ];
  const rate = ((entries.length - PEER_WARM_UP) / timedMs) * 1000;
  const indexRate = bestRate(sample, (event) => index.match(event), 5, 200);
  process.stdout.write(
    `  ${count} rules: ${PEER_NAME} ${Math.round(rate)} events/s on ${sample.length} events, ${disagreements.length} disagreement(s)\n`,
  );
  return {
    count,
    expressible: rules.length - excluded.size,
    excludedReasons,
    checked: sample.length,
    disagreements,
    rate,
    indexRate,
    ...(first === undefined
      ? {}
      : {
          exampleEvent: sample[first.event],
          examplePatterns: Object.fromEntries(differing.slice(0, 2).map((rule) => [rule, rules[rule] ?? {}])),
        }),
  };
}

/**
 * Cases where the documented EventBridge behaviour (which our matcher follows) and the peer part:
 * run on both, so the table shows what each actually answers.
 */
function peerProbes(loaded: Extract<LoadedPeer, { ok: true }>): string[][] {
  const base = { source: 'acme.orders', 'detail-type': 'OrderPaid' };
  const probes: Array<{
    name: string;
    pattern: EventPattern;
    detail: Record<string, unknown>;
    eventbridge: string;
  }> = [
    {
      name: 'anything-but on a field the event lacks',
      pattern: { detail: { status: [{ 'anything-but': ['PAID'] }] } },
      detail: { amount: 5 },
      eventbridge: 'no match (the field must exist)',
    },
    {
      name: 'numeric against a numeric string',
      pattern: { detail: { amount: [{ numeric: ['>', 10] }] } },
      detail: { amount: '20' },
      eventbridge: 'no match (numeric matches JSON numbers only)',
    },
    {
      name: 'two fields of an array of objects, met in different elements',
      pattern: { detail: { items: { sku: ['A'], qty: [2] } } },
      detail: {
        items: [
          { sku: 'A', qty: 1 },
          { sku: 'B', qty: 2 },
        ],
      },
      eventbridge: 'no match (event-ruler, which EventBridge runs, checks them in one element)',
    },
    {
      name: 'prefix against a number',
      pattern: { detail: { code: [{ prefix: '4' }] } },
      detail: { code: 42 },
      eventbridge: 'no match (prefix applies to strings)',
    },
    {
      name: 'top-level $or',
      pattern: { $or: [{ source: ['acme.billing'] }, { 'detail-type': ['InvoiceIssued'] }] },
      detail: {},
      eventbridge: 'no match (neither branch holds)',
    },
  ];
  return probes.map((probe) => {
    const event = { version: '0', id: 'probe', ...base, detail: probe.detail };
    const ours = matchesPattern(probe.pattern, event) ? 'match' : 'no match';
    const theirs = peerMatchesOne(loaded.plugin, probe.pattern, toPeerEntry(event));
    const peerText = typeof theirs === 'string' ? theirs : theirs ? 'match' : 'no match';
    return [
      probe.name,
      `\`${JSON.stringify(probe.pattern)}\``,
      `\`${JSON.stringify(probe.detail)}\``,
      probe.eventbridge,
      ours,
      peerText,
    ];
  });
}

// --- memory of the compiled index, and the non-exact mix ---------------------------------------------

setFlagsFromString('--expose-gc');
const collect: () => void = runInNewContext('gc');

/** Heap held by the index compiled from `count` journey rules (after full collections). */
function indexHeapBytes(count: number): number {
  const ruleRng = random(0x5eed);
  const products = catalogue(count);
  const entries = Array.from({ length: count }, (_, position) => ({
    pattern: makeRule(ruleRng, position, products),
    value: position,
  }));
  collect();
  const before = process.memoryUsage().heapUsed;
  const held = compilePatternIndex(entries);
  collect();
  const after = process.memoryUsage().heapUsed;
  held.match({});
  return after - before;
}
const heapAt10k = indexHeapBytes(10_000);

const operatorRows: string[][] = [];
for (const count of RULE_COUNTS) {
  const products = catalogue(count);
  const ruleRng = random(0x0b5);
  const rules = Array.from({ length: count }, () => makeOperatorRule(ruleRng, products));
  const eventRng = random(0xe4e47);
  const events = Array.from({ length: EVENT_COUNT }, (_, sequence) =>
    makeOperatorEvent(eventRng, sequence, products),
  );
  const compileStarted = now();
  const index = compilePatternIndex(rules.map((pattern, position) => ({ pattern, value: position })));
  const compileMs = now() - compileStarted;
  let matches = 0;
  for (const event of events.slice(0, 100)) {
    const indexed = index.match(event);
    const looped = rules.flatMap((pattern, position) => (matchesPattern(pattern, event) ? [position] : []));
    if (JSON.stringify(indexed) !== JSON.stringify(looped)) {
      throw new Error(`index and loop disagree on the non-exact mix at ${count} rules`);
    }
    matches += indexed.length;
  }
  rate(events, (event) => index.match(event), 300);
  const indexRate = bestRate(events, (event) => index.match(event), 5, 300);
  operatorRows.push([
    int(count),
    int(indexRate),
    num(matches / 100, 2),
    num(1e6 / indexRate / Math.max(1, matches / 100), 2),
    `${compileMs.toFixed(0)} ms`,
  ]);
}

report.line(`Pattern matching, ${EVENT_COUNT} journey events, Node ${process.version}, one core\n`);
report.line(
  `| rules | index events/s | loop events/s | speed-up | matches/event | index events/s, ${HOT_EVENT_COUNT} hot events | compile |`,
);
report.line('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) report.line(row);

const at = (count: number) => rates.get(count) ?? 0;
const hotAt = (count: number) => hotRates.get(count) ?? 0;
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(0)}%`;
report.line('');
report.line(`index at 1,000 rules ≥ 250,000 events/s: ${at(1_000) >= 250_000 ? 'yes' : 'NO'}`);
report.line(
  `index at 1,000 rules ≥ 10× the loop: ${at(1_000) >= 10 * (loopRates.get(1_000) ?? Infinity) ? 'yes' : 'NO'}`,
);
report.line(
  `10,000-rule rate ≥ half the 10-rule rate: ${at(10_000) >= at(10) / 2 ? 'yes' : 'NO'} (${percent(at(10_000), at(10))}; 10,000 vs 100 rules: ${percent(at(10_000), at(100))}; hot: ${percent(hotAt(10_000), hotAt(10))} and ${percent(hotAt(10_000), hotAt(100))})`,
);

report.line('');
report.line(
  `Compiled index of 10,000 journey rules: ${(heapAt10k / 2 ** 20).toFixed(1)} MiB of heap (heap used after a full collection, with and without it).`,
);
report.line('');
report.line(
  'Non-exact mix (bench/match-fixture.ts `makeOperatorRule`): an exact `source` (or a `detail-type` prefix) and one to three of prefix, suffix, equals-ignore-case, wildcard, numeric, anything-but, exists and cidr, no other exact value; agreement with the loop checked on 100 events per size.',
);
report.line('');
report.line(
  table(['rules', 'index events/s', 'matches/event', 'µs per match', 'compile'], operatorRows, [
    'r',
    'r',
    'r',
    'r',
    'r',
  ]),
);
report.line('');
report.record('≥ 250,000 events/s at 1,000 rules', at(1_000) >= 250_000, `${int(at(1_000))} events/s`);
report.record(
  '≥ 10× the plain loop at 1,000 rules',
  at(1_000) >= 10 * (loopRates.get(1_000) ?? Infinity),
  `${(at(1_000) / (loopRates.get(1_000) ?? Infinity)).toFixed(0)}×`,
);
report.record(
  '10,000-rule rate ≥ half the 10-rule rate',
  at(10_000) >= at(10) / 2,
  `${percent(at(10_000), at(10))} of the 10-rule rate; ${percent(at(10_000), at(100))} of the 100-rule rate`,
);

// --- the peer ------------------------------------------------------------------------------------

report.line('');
report.line(`### Against \`${PEER_NAME}\` (a published JS implementation), same rules and events`);
report.line('');
report.line(
  `Optional: the peer is not a dependency of Nudge (229 MB with the serverless toolchain it pulls in). \`npm run bench:peer\` installs it into \`bench/.peer\` (git-ignored, outside the project's node_modules); \`npm run bench:match\` compares when it is there, and says it skipped the comparison when it is not.`,
);
report.line('');
if (peer.ok) reportPeer(peer);
else report.line(`Not compared in this run: ${peer.reason}`);
report.emit();

/** The comparison's tables and notes, when the peer was installed. */
function reportPeer(loaded: Extract<LoadedPeer, { ok: true }>): void {
  report.line(`Compared with ${PEER_NAME} ${loaded.version} from \`bench/.peer\`.`);
  report.line('');
  report.line(
    table(
      [
        'rules',
        'rules it can express',
        'events compared',
        'disagreements',
        `${PEER_NAME} events/s`,
        'index events/s (same events)',
        'index ÷ peer',
      ],
      peerRows.map((row) => [
        int(row.count),
        int(row.expressible),
        int(row.checked),
        int(row.disagreements.length),
        row.rate < 100 ? num(row.rate, 1) : int(row.rate),
        int(row.indexRate),
        `${int(row.indexRate / row.rate)}×`,
      ]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  report.line('');
  const excludedAll = new Map<string, number>();
  for (const row of peerRows) {
    for (const [reason, times] of row.excludedReasons)
      excludedAll.set(reason, Math.max(excludedAll.get(reason) ?? 0, times));
  }
  report.line(
    `Left out of its rate (it cannot express them): ${
      excludedAll.size === 0
        ? 'nothing.'
        : [...excludedAll.keys()]
            .map(
              (reason) =>
                `${reason}: ${peerRows.map((row) => row.excludedReasons.get(reason) ?? 0).join(' / ')} rules at ${peerRows.map((row) => int(row.count)).join(' / ')}`,
            )
            .join('; ')
    }. Our rate above includes them. ` +
      'It is fed the `PutEvents` entry it would receive (`Detail` as JSON text) and, as in the plugin, parses `Detail` and ' +
      'runs JSONPath queries for every rule; it checks every rule for every event, so its cost grows with the rule count. ' +
      'It is compared on the first events of the stream only (fewer as rules grow), to keep the run short.',
  );
  const withDisagreements = peerRows.filter((row) => row.disagreements.length > 0);
  report.line('');
  if (withDisagreements.length === 0) {
    report.line('It agreed with ours on every compared event at every size.');
  } else {
    for (const row of withDisagreements) {
      const first = row.disagreements[0];
      report.line(
        `At ${int(row.count)} rules it disagreed on ${row.disagreements.length} of ${row.checked} events. First: event ${first?.event}, ours matched [${first?.ours.join(', ')}], it matched [${first?.peer.join(', ')}]; the rules that differ: \`${JSON.stringify(row.examplePatterns)}\`; the event's detail: \`${JSON.stringify(Reflect.get(Object(row.exampleEvent), 'detail'))}\``,
      );
    }
  }
  report.line('');
  report.line('Where it departs from EventBridge (probes run on both):');
  report.line('');
  report.line(table(['case', 'pattern', 'detail', 'EventBridge', 'ours', PEER_NAME], peerProbes(loaded)));
}
