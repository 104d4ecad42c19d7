import type { RuleSetDiff } from '../../app/rule-set-diff.ts';
import { html, type SafeHtml } from '../html.ts';
import type { GateCounts, GateReportView } from '../rule-set-console.ts';
import { EDITOR_STYLE, type EditedTemplate } from './rule-editor-page.ts';

/** What the publish gate page shows, and the draft it would publish. */
export interface GateView {
  ruleId?: string;
  yaml: string;
  templates: EditedTemplate[];
  activeVersion: number;
  days: number;
  diff: RuleSetDiff;
  unchanged: boolean;
  /** Undefined when the host has no backtest (the diff is still shown). */
  report?: GateReportView;
  warnings: string[];
  error?: string;
}

function diffSection(diff: RuleSetDiff, activeVersion: number): SafeHtml {
  const rules = [
    ...diff.rulesAdded.map((id) => html`<li><span class="badge ok">added</span> <code>${id}</code></li>`),
    ...diff.rulesRemoved.map(
      (id) => html`<li><span class="badge bad">removed</span> <code>${id}</code></li>`,
    ),
    ...diff.rulesChanged.map(
      (change) =>
        html`<li><span class="badge warn">changed</span> <code>${change.id}</code>: ${change.fields.join(', ')}</li>`,
    ),
  ];
  const templates = diff.templates.map(
    (template) =>
      html`<h3><code>${template.file}</code> (${template.kind})</h3>${template.lines.map(
        (line) =>
          html`<p class="diff-line ${line.op === '+' ? 'add' : line.op === '-' ? 'del' : ''}">${line.op} ${line.text}</p>`,
      )}`,
  );
  return html`<section class="card" id="gate-diff"><h2>Changes against version ${activeVersion}</h2>
${rules.length === 0 ? html`<p class="muted small">No rule changes.</p>` : html`<ul>${rules}</ul>`}
${templates}
${diff.settingsChanged.length > 0 && html`<p>Settings changed: ${diff.settingsChanged.join(', ')}</p>`}</section>`;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}

function countCells(counts: GateCounts | undefined): SafeHtml {
  if (counts === undefined) return html`<td colspan="4" class="muted">no such rule</td>`;
  return html`<td>${counts.planned}</td><td>${counts.sent}</td><td>${sum(counts.suppressed)}</td><td>${sum(counts.cancelled)}</td>`;
}

function backtestSection(view: GateView): SafeHtml {
  const report = view.report;
  if (report?.backtest === undefined) {
    return html`<section class="card" id="gate-backtest"><h2>Backtest</h2><p class="muted">No backtest in this console: run <code>nudge rules publish</code> for one.</p></section>`;
  }
  const { events, rules, differences } = report.backtest;
  const rows = rules.map(
    (rule) =>
      html`<tr data-rule="${rule.ruleId}"><td><code>${rule.ruleId}</code></td>${countCells(rule.baseline)}${countCells(rule.candidate)}</tr>`,
  );
  const cost = report.cost;
  return html`<section class="card" id="gate-backtest"><h2>Backtest: last ${view.days} days</h2>
<p id="backtest-events">${events.replayed} events replayed (${events.read} read, ${events.malformed} malformed)${events.first === null ? '' : ` from ${events.first} to ${events.last ?? ''}`}. Messages that differ: ${differences.differing} of ${differences.compared}.</p>
${events.read === 0 && html`<p class="notice">No archived events in the last ${view.days} days: nothing to replay.</p>`}
<div class="table-card"><table id="backtest-table"><thead><tr><th rowspan="2">Rule</th><th colspan="4">Active version ${view.activeVersion}</th><th colspan="4">Candidate</th></tr>
<tr><th>planned</th><th>sent</th><th>suppressed</th><th>cancelled</th><th>planned</th><th>sent</th><th>suppressed</th><th>cancelled</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${cost !== undefined && html`<p id="gate-cost">Cost over the window: ${cost.total.baseline.total.toFixed(4)} → ${cost.total.candidate.total.toFixed(4)} ${cost.currency}${cost.monthFactor === undefined ? '' : `; per month ≈ ${(cost.total.baseline.total * cost.monthFactor).toFixed(2)} → ${(cost.total.candidate.total * cost.monthFactor).toFixed(2)} ${cost.currency}`}</p>`}
<details><summary>The whole report (as <code>nudge rules publish</code> prints it)</summary><pre>${report.text}</pre></details></section>`;
}

function publishForm(view: GateView): SafeHtml {
  if (view.unchanged) {
    return html`<p class="notice" id="gate-unchanged">Identical to the active version ${view.activeVersion}: nothing to publish.</p>`;
  }
  return html`<form method="post" action="/rules/publish" class="card" id="publish-form">
<h2>Publish</h2>
<input type="hidden" name="ruleId" value="${view.ruleId ?? ''}">
<input type="hidden" name="expectedVersion" value="${view.activeVersion}">
<input type="hidden" name="days" value="${view.days}">
<textarea name="yaml" hidden>${view.yaml}</textarea>
${view.templates.map((template) => html`<textarea name="template:${template.path}" hidden>${template.text}</textarea>`)}
<div class="field"><label for="publish-message">Why (kept in the history)</label>
<input type="text" id="publish-message" name="message" autocomplete="off" placeholder="Friendlier wording for the renewal reminder"></div>
<button type="submit" id="publish">Publish as a new version</button>
<span class="small muted">Publishes only if version ${view.activeVersion} is still active; live within a minute.</span>
</form>`;
}

/** The publish gate: diff, backtest and cost of the draft against the active version, then publish. */
export function gatePage(view: GateView): SafeHtml {
  return html`${EDITOR_STYLE}<h1>Publish gate${view.ruleId === undefined ? '' : `: ${view.ruleId}`}</h1>
${view.error !== undefined && html`<div class="error" role="alert" id="gate-error">${view.error}</div>`}
${view.warnings.length > 0 && html`<ul class="field-issues">${view.warnings.map((w) => html`<li class="warning">${w} (warning)</li>`)}</ul>`}
${diffSection(view.diff, view.activeVersion)}
${backtestSection(view)}
${publishForm(view)}`;
}
