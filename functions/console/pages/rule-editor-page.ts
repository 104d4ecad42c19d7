import type { RuleIssue } from '../../core/rules/parse-rule-files.ts';
import { html, type SafeHtml, trustedHtml } from '../html.ts';

/** One template file in the editor: its path below `templates/` and its text. */
export interface EditedTemplate {
  path: string;
  text: string;
}

/** What the rule editor shows; after a refused gate or publish, what was typed and why. */
export interface RuleEditorView {
  /** The rule being edited; absent for a new rule. */
  ruleId?: string;
  /** The file the rule is checked as (`rules/<id>.yaml`), as messages name it. */
  file: string;
  yaml: string;
  templates: EditedTemplate[];
  activeVersion: number;
  /** The gate's window: the days offered and the most this console accepts (AWS: 1 and 3). */
  days: { default: number; max: number };
  /** Located issues from the server (a refused gate or publish). */
  issues?: Array<RuleIssue & { text: string }>;
  error?: string;
}

/** Styles of the editor, gate and versions pages (inline styles are allowed by the CSP). */
export const EDITOR_STYLE = trustedHtml(`<style>
.editor-grid { display:grid; grid-template-columns: 1.1fr 0.9fr; gap:16px; } @media (max-width: 1000px) { .editor-grid { grid-template-columns: 1fr; } }
textarea.code { min-height:120px; } textarea#rule-yaml { min-height:380px; }
ul.field-issues { list-style:none; margin:6px 0 0; padding:0; } ul.field-issues li { color:var(--bad); font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12.5px; padding:2px 0; }
ul.field-issues li.warning { color:var(--warn); }
#validity.ok { color:var(--ok); font-weight:600; } #validity.bad { color:var(--bad); font-weight:600; }
.render { border:1px solid var(--line); border-radius:8px; padding:10px 12px; margin-bottom:10px; background:#fff; }
.render h3 { margin:0 0 6px; font-size:14px; } .render .bubble { margin:4px 0; }
.diff-line { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12.5px; white-space:pre-wrap; margin:0; }
.diff-line.add { background:#e3f5ea; } .diff-line.del { background:#fde6e6; }
.actions { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-top:10px; }
input.short { width:90px; }
</style>`);

function issueList(id: string, issues: Array<{ text: string }>): SafeHtml {
  return html`<ul class="field-issues" id="${id}" aria-live="polite">${issues.map((issue) => html`<li>${issue.text}</li>`)}</ul>`;
}

function templateField(
  template: EditedTemplate,
  index: number,
  issues: Array<RuleIssue & { text: string }>,
): SafeHtml {
  const file = `templates/${template.path}`;
  const mine = issues.filter((issue) => issue.file === file);
  return html`<div class="field template-field">
  <label for="template-${index}"><code>${file}</code></label>
  <textarea class="code" id="template-${index}" name="template:${template.path}" data-template="${template.path}" data-file="${file}" spellcheck="false">${template.text}</textarea>
  ${issueList(`issues-template-${index}`, mine)}
</div>`;
}

/** `/rules/:id/edit` and `/rules/new`: the rule as YAML, its templates, live checks and preview. */
export function ruleEditorPage(view: RuleEditorView): SafeHtml {
  const issues = view.issues ?? [];
  const own = issues.filter((issue) => issue.file === view.file);
  const others = issues.filter(
    (issue) => issue.file !== view.file && !view.templates.some((t) => issue.file === `templates/${t.path}`),
  );
  const title = view.ruleId === undefined ? 'New rule' : `Edit rule ${view.ruleId}`;
  return html`${EDITOR_STYLE}<h1>${title}</h1>
<p class="small muted">Changes are checked as you type, with the messages <code>nudge rules validate</code> prints for the same files, against the active rule-set version <strong id="active-version">${view.activeVersion}</strong>. Nothing is live until a publisher publishes it through the gate.</p>
${view.error !== undefined && html`<div class="error" role="alert" id="editor-error">${view.error}</div>`}
<form method="post" action="/rules/gate" id="editor-form" data-rule-file="${view.file}">
<input type="hidden" name="ruleId" value="${view.ruleId ?? ''}">
<input type="hidden" name="expectedVersion" value="${view.activeVersion}">
<div class="editor-grid">
<section class="card">
  <div class="field">
    <label for="rule-yaml">Rule <code>${view.file}</code></label>
    <textarea class="code" id="rule-yaml" name="yaml" data-file="${view.file}" spellcheck="false">${view.yaml}</textarea>
    ${issueList('issues-rule', own)}
  </div>
  <h2>Templates</h2>
  <div id="templates">${view.templates.map((template, index) => templateField(template, index, issues))}</div>
  <div class="actions">
    <input type="text" id="new-template-path" class="short" style="width:320px" placeholder="${view.ruleId ?? 'my-rule'}/en.sms.liquid" aria-label="New template file">
    <button type="button" class="secondary small" id="add-template">Add template</button>
  </div>
  ${issueList('issues-other', others)}
  <p id="validity" role="status" class="${issues.length > 0 ? 'bad' : ''}">${issues.length > 0 ? `${issues.length} problem(s)` : ''}</p>
  <div class="actions">
    <label for="days" class="small" style="display:inline;margin:0">Backtest the last</label>
    <input type="text" id="days" name="days" value="${view.days.default}" class="short" inputmode="numeric"> <span class="small">days (at most ${view.days.max} here)</span>
    <button type="submit" id="open-gate">Check and publish…</button>
    <span class="small muted">publishers only: shows the diff, backtest and cost first</span>
  </div>
</section>
<section class="card">
  <h2>Preview</h2>
  <p class="small muted" id="preview-source">Rendered for the latest archived event the rule matches, per locale and channel.</p>
  <div id="preview" aria-live="polite"></div>
  <details id="preview-event-box"><summary>Preview with another event</summary>
    <div class="field"><label for="preview-event">Event (JSON)</label>
    <textarea class="code" id="preview-event" spellcheck="false" placeholder='{ "source": "acme.orders", "detail-type": "OrderPlaced", "detail": { … } }'></textarea></div>
    <button type="button" class="secondary small" id="preview-with-event">Preview with this event</button>
  </details>
</section>
</div>
</form>`;
}
