import type { ConsoleRule } from '../console-backend.ts';
import { href, html, relativeTo, type SafeHtml, timeIn } from '../html.ts';
import { badge, emptyState, plural, statusBadge } from './parts.ts';
import { ruleStatsChart, ruleStatsTable } from './rule-stats-view.ts';

/** What the rules page shows. */
export interface RulesView {
  issues: string[];
  rules: ConsoleRule[];
  /** Virtual now, for "in 2 h" next to each planned send. */
  now: string;
  zones: Map<string, string | undefined>;
  /** The active rule-set version and its last move, when the backend knows it. */
  active?: { version: number; by: string; at: string; message: string } | undefined;
}

/** How many planned sends a rule card lists before summarising the rest. */
const PLANNED_SHOWN = 10;

function validation(view: RulesView): SafeHtml {
  if (view.issues.length > 0) {
    return html`<section class="card issues-card"><h2>${plural(view.issues.length, 'issue')} in rules and templates</h2>
<p class="small muted">Fix these in <code>rules/</code> and <code>templates/</code>; until then the runtime keeps the last valid rules.</p>
<ul class="issues">${view.issues.map((issue) => html`<li><code>${issue}</code></li>`)}</ul></section>`;
  }
  return html`<p class="valid">✓ All ${view.rules.length} rules valid.</p>`;
}

function tally(record: Record<string, number>, tone: (key: string) => SafeHtml): SafeHtml {
  const entries = Object.entries(record).filter(([, count]) => count > 0);
  if (entries.length === 0) return html`<span class="muted small">none yet</span>`;
  return html`<span class="counts">${entries.map(([key, count]) => html`<span>${tone(key)} ${count}</span>`)}</span>`;
}

function ruleCard(rule: ConsoleRule, view: RulesView): SafeHtml {
  const planned = rule.nextPlanned.slice(0, PLANNED_SHOWN);
  const more = rule.nextPlanned.length - planned.length;
  const plannedTable =
    planned.length === 0
      ? html`<p class="muted small">Nothing planned.</p>`
      : html`<table class="planned"><thead><tr><th>When (customer time)</th><th></th><th>Customer</th><th>Message</th></tr></thead><tbody>${planned.map(
          (plan) => html`<tr>
  <td class="nowrap">${timeIn(plan.sendAt, view.zones.get(plan.customerId))}</td>
  <td class="muted small nowrap">${relativeTo(plan.sendAt, view.now)}</td>
  <td><a href="${href('/customers', plan.customerId)}">${plan.customerId}</a></td>
  <td><a href="${href('/messages', plan.messageId)}"><code>${plan.messageId}</code></a></td>
</tr>`,
        )}</tbody></table>${more > 0 && html`<p class="muted small">and ${more} more</p>`}`;
  return html`<section class="card rule" id="rule-${rule.id}">
  <div class="rule-head"><h2>${rule.id}</h2>
    ${rule.enabled ? badge('enabled', 'ok') : badge('disabled', 'bad')}
    ${rule.urgent && badge('urgent (bypasses cap)', 'warn')}
    <span class="muted small">${rule.file}</span>
    <a class="small edit-rule" href="${href('/rules', rule.id)}/edit">Edit</a>
    <a class="small rule-effect" href="${href('/rules', rule.id)}/effect">Effect (goals, holdout, lift)</a>
  </div>
  <p>${rule.description}</p>
  <p><code class="summary">${rule.summary}</code></p>
  <dl class="facts">
    <dt>Channels</dt><dd>${rule.channels.join(' → ')}</dd>
    <dt>Template</dt><dd><code>${rule.template}</code></dd>
    <dt>Outcomes</dt><dd>${tally(rule.counts, statusBadge)}</dd>
    <dt>Held back by</dt><dd>${tally(rule.suppressedBy, (reason) => badge(reason, 'warn'))}</dd>
  </dl>
  ${
    rule.days !== undefined &&
    html`<h3>Last ${plural(rule.days.length, 'day')}</h3>
  <div class="rule-stats-row">${ruleStatsTable(rule.counts, `${rule.days[0]?.day ?? ''} – ${rule.days[rule.days.length - 1]?.day ?? ''}`, rule.suppressedBy)}${ruleStatsChart(rule.days, rule.id)}</div>`
  }
  <h3>Next planned sends</h3>
  ${plannedTable}
</section>`;
}

/** `/rules`: validation state, then per rule its summary, counts, reasons and what fires next. */
export function rulesPage(view: RulesView): SafeHtml {
  const body =
    view.rules.length === 0
      ? emptyState('No rules loaded.', html`Add YAML files to <code>rules/</code>: see docs/rules.md.`)
      : view.rules.map((rule) => ruleCard(rule, view));
  const active =
    view.active === undefined
      ? ''
      : html`<p class="small muted" id="active-version">Active rule-set version ${view.active.version}, published by ${view.active.by} ${timeIn(view.active.at, undefined)}${view.active.message === '' ? '' : html`: ${view.active.message}`}</p>`;
  return html`<h1>Rules</h1>
<p class="small"><a href="/rules/new">New rule</a> · <a href="/rules/versions">Versions and history</a></p>
<div id="rules" data-live>${active}${validation(view)}${body}</div>`;
}
