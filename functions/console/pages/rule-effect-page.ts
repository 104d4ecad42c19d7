import type { RuleEffect } from '../../app/rule-effect.ts';
import type { LiftReport } from '../../core/effect/lift.ts';
import { html, type SafeHtml } from '../html.ts';

/** A fraction as a percentage with one decimal: 0.3 → "30.0 %". */
function percent(value: number | undefined): string {
  return value === undefined ? '–' : `${(value * 100).toFixed(1)} %`;
}

/** A difference of fractions in percentage points, signed: 0.1 → "+10.0 pp", −0.0068 → "−0.7 pp". */
function points(value: number): string {
  const rounded = (value * 100).toFixed(1);
  return `${value < 0 ? '−' : '+'}${rounded.replace('-', '')} pp`;
}

function groupRow(name: string, group: LiftReport['sent']): SafeHtml {
  return html`<tr><th>${name}</th><td>${group.decisions}</td><td>${group.conversions}</td><td>${percent(group.rate)}</td></tr>`;
}

/** One kind's card: both groups' counts and rates, then the lift with its 95 % interval or why not. */
function liftCard(kind: 'goal' | 'avoid', report: LiftReport): SafeHtml {
  const title =
    kind === 'goal'
      ? 'Goal (wanted: messaged should be higher)'
      : 'Avoid (unwanted: messaged should be lower)';
  const verdict =
    report.kind === 'lift'
      ? html`<p class="lift">Lift ${points(report.absolute.lift)} (95 % CI ${points(report.absolute.low)} to ${points(report.absolute.high)}, Newcombe hybrid score)${report.relative === undefined ? '' : html`, relative ${points(report.relative).replace(' pp', ' %')}`}</p>`
      : html`<p class="lift muted">Not enough data: ${report.detail}</p>`;
  return html`<section class="card"><h2>${title}</h2>
<table class="effect"><thead><tr><th>Group</th><th>Decisions</th><th>Converted</th><th>Rate</th></tr></thead>
<tbody>${groupRow('Messaged', report.sent)}${groupRow('Held out', report.heldOut)}</tbody></table>${verdict}</section>`;
}

/**
 * `/rules/:id/effect`: a rule's goal and avoid, each with the sent and held-out counts, goal rates
 * and lift (docs/rules.md, "The report"). `kinds` are the ones the rule has.
 */
export function ruleEffectPage(effect: RuleEffect, kinds: ReadonlyArray<'goal' | 'avoid'>): SafeHtml {
  const range =
    effect.from === '0000-01-01' ? 'all days' : `${effect.from} to ${effect.to} (UTC days of the send time)`;
  const cards = kinds.map((kind) => liftCard(kind, effect[kind]));
  return html`<h1>Effect of <code>${effect.ruleId}</code></h1><p class="muted small">${range}</p>
${kinds.length === 0 ? html`<p class="muted">No decisions recorded for a goal or avoid of this rule yet (or it has none).</p>` : cards}
<p class="small"><a href="/rules">All rules</a> · <a href="/api/rules/${effect.ruleId}/effect">JSON</a></p>`;
}
