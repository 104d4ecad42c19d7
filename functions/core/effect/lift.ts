/**
 * The effect of a rule: goal rates of the customers it messaged and of its holdout group, their
 * difference (absolute lift) with a 95 % confidence interval, and the relative lift. Pure.
 *
 * The interval is Newcombe's hybrid score interval for a difference of two independent proportions
 * (Newcombe 1998, "Interval estimation for the difference between independent proportions",
 * Statistics in Medicine 17:873–890, method 10): each proportion gets its Wilson score interval,
 * and the difference's limits combine the distances to those limits. Unlike the Wald interval it
 * stays inside [-1, 1] and behaves near 0 and 1.
 */

/** One group's counts: decisions made and how many of them converted. */
export interface GroupCounts {
  decisions: number;
  conversions: number;
}

/** Below these counts in either group a report says "not enough data" instead of a lift. */
const LIFT_MINIMUM = { decisions: 30, conversions: 5 } as const;

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** A proportion's 95 % Wilson score interval (no continuity correction). */
export function wilsonInterval(successes: number, trials: number): { low: number; high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * trials);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const denominator = 1 + z2 / trials;
  return { low: (centre - spread) / denominator, high: (centre + spread) / denominator };
}

/** The 95 % interval of p1 − p2 by Newcombe's hybrid score method. */
export function newcombeDifference(
  treated: GroupCounts,
  control: GroupCounts,
): { difference: number; low: number; high: number } {
  const p1 = treated.conversions / treated.decisions;
  const p2 = control.conversions / control.decisions;
  const w1 = wilsonInterval(treated.conversions, treated.decisions);
  const w2 = wilsonInterval(control.conversions, control.decisions);
  const difference = p1 - p2;
  return {
    difference,
    low: difference - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: difference + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}

/** A rule's lift, or why there is none yet. Rates and lifts are fractions (0.25 = 25 %). */
export type LiftReport =
  | {
      kind: 'lift';
      sent: GroupCounts & { rate: number };
      heldOut: GroupCounts & { rate: number };
      /** Goal rate of the messaged minus that of the held out, with its 95 % interval. */
      absolute: { lift: number; low: number; high: number };
      /** Absolute lift over the held-out rate; absent when that rate is 0. */
      relative?: number;
      method: 'newcombe-hybrid-score-95';
    }
  | {
      kind: 'not-enough-data';
      sent: GroupCounts & { rate?: number };
      heldOut: GroupCounts & { rate?: number };
      /** What is missing, e.g. "held-out: 12 decisions (at least 30 needed)". */
      detail: string;
    };

/** The lift of a rule from its two groups' counts (see {@link LIFT_MINIMUM}). */
export function computeLift(sent: GroupCounts, heldOut: GroupCounts): LiftReport {
  const missing = [shortfall('sent', sent), shortfall('held-out', heldOut)].filter(
    (item): item is string => item !== undefined,
  );
  if (missing.length > 0) {
    return {
      kind: 'not-enough-data',
      sent: withRate(sent),
      heldOut: withRate(heldOut),
      detail: missing.join('; '),
    };
  }
  const sentRate = sent.conversions / sent.decisions;
  const heldOutRate = heldOut.conversions / heldOut.decisions;
  const interval = newcombeDifference(sent, heldOut);
  return {
    kind: 'lift',
    sent: { ...sent, rate: sentRate },
    heldOut: { ...heldOut, rate: heldOutRate },
    absolute: { lift: interval.difference, low: interval.low, high: interval.high },
    ...(heldOutRate > 0 ? { relative: interval.difference / heldOutRate } : {}),
    method: 'newcombe-hybrid-score-95',
  };
}

function shortfall(name: string, group: GroupCounts): string | undefined {
  const problems: string[] = [];
  if (group.decisions < LIFT_MINIMUM.decisions) {
    problems.push(`${group.decisions} decisions (at least ${LIFT_MINIMUM.decisions} needed)`);
  }
  if (group.conversions < LIFT_MINIMUM.conversions) {
    problems.push(`${group.conversions} conversions (at least ${LIFT_MINIMUM.conversions} needed)`);
  }
  return problems.length === 0 ? undefined : `${name}: ${problems.join(', ')}`;
}

function withRate(group: GroupCounts): GroupCounts & { rate?: number } {
  return group.decisions > 0 ? { ...group, rate: group.conversions / group.decisions } : { ...group };
}
