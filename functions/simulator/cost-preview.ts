/**
 * The cost of what a backtest sent, per rule and side: SMS segments × the destination country's
 * price, emails × the email price, every sent message × the AWS cost per message (and every
 * replayed event × the archive's cost), for the backtest window and projected to a 30-day month.
 * The prices are data (pricing/sms-prices.yaml), read and checked by {@link readPriceTable}.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { BacktestReport } from './backtest.ts';
import type { RuleCounts, Side } from './backtest-tally.ts';

const PriceSchema = z.object({
  price: z.number().nonnegative(),
  estimate: z.boolean().optional(),
  source: z.string().min(1),
});

const PriceTableSchema = z.object({
  currency: z.string().min(1),
  checked: z.string().min(1),
  sms: z.record(z.string().regex(/^[A-Z]{2}$/), PriceSchema),
  email: PriceSchema,
  aws: z.object({
    perMessage: z.number().nonnegative(),
    perEvent: z.number().nonnegative(),
    source: z.string(),
  }),
});

/** The price table (pricing/sms-prices.yaml). */
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * Reads and checks a price table.
 *
 * @throws Error naming the file and the first problems when it is not a valid table.
 */
export function readPriceTable(path: string): PriceTable {
  const parsed = PriceTableSchema.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
    .join('; ');
  throw new Error(`${path} is not a valid price table: ${problems}`);
}

/** The cost of one side of one rule (or of a whole side). */
interface SideCost {
  sms: number;
  email: number;
  aws: number;
  total: number;
  /** SMS segments to countries the table has no price for (not in `sms`). */
  unpricedSegments: number;
}

/** What a backtest's messages cost. */
export interface CostPreview {
  currency: string;
  /** Length of the backtest window (first to last event), in days. */
  windowDays: number;
  /** Multiplies a window's cost into a 30-day month; undefined when the window is under an hour. */
  monthFactor: number | undefined;
  rules: Array<{ ruleId: string } & Partial<Record<Side, SideCost>>>;
  total: Record<Side, SideCost>;
  /** Whether any price used is marked an estimate in the table. */
  estimates: boolean;
  /** The price entries used (`SE`, `email`) whose source is `unverified`: no citation was found. */
  unverified: string[];
}

/** The `source` of a price nobody could cite (pricing/sms-prices.yaml). */
const UNVERIFIED = 'unverified';

function costOf(
  counts: RuleCounts,
  prices: PriceTable,
  unverified: Set<string>,
): SideCost & { estimate: boolean } {
  let sms = 0;
  let unpricedSegments = 0;
  let estimate = false;
  for (const [country, sent] of Object.entries(counts.sms)) {
    const price = prices.sms[country];
    if (price === undefined) {
      unpricedSegments += sent.segments;
      continue;
    }
    sms += sent.segments * price.price;
    estimate ||= price.estimate === true;
    if (sent.segments > 0 && price.source === UNVERIFIED) unverified.add(country);
  }
  const email = counts.emails * prices.email.price;
  if (counts.emails > 0) {
    estimate ||= prices.email.estimate === true;
    if (prices.email.source === UNVERIFIED) unverified.add('email');
  }
  const aws = counts.sent * prices.aws.perMessage;
  return { sms, email, aws, total: sms + email + aws, unpricedSegments, estimate };
}

function zero(): SideCost {
  return { sms: 0, email: 0, aws: 0, total: 0, unpricedSegments: 0 };
}

function add(into: SideCost, cost: SideCost): void {
  into.sms += cost.sms;
  into.email += cost.email;
  into.aws += cost.aws;
  into.total += cost.total;
  into.unpricedSegments += cost.unpricedSegments;
}

/** Prices a backtest's counts (see the module comment). */
export function costPreview(report: BacktestReport, prices: PriceTable): CostPreview {
  const first = report.events.first === null ? Number.NaN : Date.parse(report.events.first);
  const last = report.events.last === null ? Number.NaN : Date.parse(report.events.last);
  const windowMs = Number.isFinite(first) && Number.isFinite(last) ? last - first : 0;
  const total: Record<Side, SideCost> = { baseline: zero(), candidate: zero() };
  let estimates = false;
  const unverified = new Set<string>();
  const rules = report.rules.map((rule) => {
    const row: { ruleId: string } & Partial<Record<Side, SideCost>> = { ruleId: rule.ruleId };
    for (const side of ['baseline', 'candidate'] as const) {
      const counts = rule[side];
      if (counts === undefined) continue;
      const { estimate, ...cost } = costOf(counts, prices, unverified);
      estimates ||= estimate;
      row[side] = cost;
      add(total[side], cost);
    }
    return row;
  });
  // Every replayed event is archived once, whichever rule set runs.
  const archive = report.events.replayed * prices.aws.perEvent;
  for (const side of ['baseline', 'candidate'] as const) {
    total[side].aws += archive;
    total[side].total += archive;
  }
  return {
    currency: prices.currency,
    windowDays: windowMs / 86_400_000,
    monthFactor: windowMs >= 3_600_000 ? (30 * 86_400_000) / windowMs : undefined,
    rules,
    total,
    estimates,
    unverified: [...unverified].sort(),
  };
}

function money(value: number, currency: string): string {
  return `${value < 1 ? value.toFixed(4) : value.toFixed(2)} ${currency}`;
}

/** The cost preview as text: per rule and in total, baseline → candidate, window and month. */
export function formatCostPreview(preview: CostPreview): string {
  const { currency, monthFactor } = preview;
  const month = (cost: SideCost | undefined) =>
    cost === undefined || monthFactor === undefined ? '—' : money(cost.total * monthFactor, currency);
  const cell = (cost: SideCost | undefined) => (cost === undefined ? '—' : money(cost.total, currency));
  const lines = [
    `Cost preview (${currency}; window ${preview.windowDays.toFixed(2)} days${monthFactor === undefined ? ', too short to project a month' : ', month = 30 days'})`,
    `  ${'rule'.padEnd(28)} ${'baseline'.padStart(14)} ${'candidate'.padStart(14)} ${'baseline/month'.padStart(16)} ${'candidate/month'.padStart(16)}`,
  ];
  for (const row of preview.rules) {
    lines.push(
      `  ${row.ruleId.padEnd(28)} ${cell(row.baseline).padStart(14)} ${cell(row.candidate).padStart(14)} ${month(row.baseline).padStart(16)} ${month(row.candidate).padStart(16)}`,
    );
  }
  const { baseline, candidate } = preview.total;
  lines.push(
    `  ${'total (with event archive)'.padEnd(28)} ${cell(baseline).padStart(14)} ${cell(candidate).padStart(14)} ${month(baseline).padStart(16)} ${month(candidate).padStart(16)}`,
    `  candidate: SMS ${money(candidate.sms, currency)}, email ${money(candidate.email, currency)}, AWS ${money(candidate.aws, currency)}`,
  );
  if (candidate.unpricedSegments + baseline.unpricedSegments > 0)
    lines.push(
      `  unpriced SMS segments (no price for the country): baseline ${baseline.unpricedSegments}, candidate ${candidate.unpricedSegments}`,
    );
  if (preview.estimates) lines.push('  some prices are estimates (see the price table)');
  if (preview.unverified.length > 0)
    lines.push(`  unverified prices (no source found, shown as estimates): ${preview.unverified.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
