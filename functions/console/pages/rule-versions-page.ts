import type { RuleSetMove, RuleSetVersionInfo } from '../../app/ports/rule-sets.ts';
import { html, type SafeHtml, timeIn } from '../html.ts';
import { badge, emptyState } from './parts.ts';
import { EDITOR_STYLE } from './rule-editor-page.ts';

/** What the version history shows. */
export interface VersionsView {
  active: number | undefined;
  versions: RuleSetVersionInfo[];
  /** The pointer's moves, newest first. */
  history: RuleSetMove[];
  notice?: string;
}

/** A backtest summary in one line: its numbers by name (the gate decides what it holds). */
function summaryText(summary: Record<string, unknown> | undefined): string {
  if (summary === undefined) return '—';
  return Object.entries(summary)
    .filter(([, value]) => typeof value === 'number' || typeof value === 'string')
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(' · ');
}

function moveRow(move: RuleSetMove): SafeHtml {
  return html`<tr data-seq="${move.seq}">
  <td>${move.seq}</td>
  <td class="nowrap">${timeIn(move.at, 'UTC')}</td>
  <td>${badge(move.action, move.action === 'rollback' ? 'warn' : 'info')}</td>
  <td class="nowrap">${move.from ?? '—'} → ${move.to}</td>
  <td>${move.by}</td>
  <td>${move.message === '' ? html`<span class="muted">—</span>` : move.message}</td>
  <td class="small">${summaryText(move.backtest)}</td>
</tr>`;
}

function versionRow(info: RuleSetVersionInfo, active: number | undefined): SafeHtml {
  const isActive = info.version === active;
  return html`<tr data-version="${info.version}">
  <td>${info.version} ${isActive && badge('active', 'ok')}</td>
  <td class="nowrap">${timeIn(info.createdAt, 'UTC')}</td>
  <td>${info.createdBy}</td>
  <td>${info.message === '' ? html`<span class="muted">—</span>` : info.message}</td>
  <td>${
    isActive || active === undefined
      ? ''
      : html`<form method="post" action="/rules/rollback" class="rollback-form">
    <input type="hidden" name="version" value="${info.version}"><input type="hidden" name="expectedVersion" value="${active}">
    <button type="submit" class="secondary small">Make active</button></form>`
  }</td>
</tr>`;
}

/** `/rules/versions`: every publish and rollback (who, when, why, backtest), and every version. */
export function versionsPage(view: VersionsView): SafeHtml {
  if (view.versions.length === 0)
    return html`<h1>Rule-set versions</h1>${emptyState('No version was ever published.')}`;
  const versions = [...view.versions].reverse();
  return html`${EDITOR_STYLE}<h1>Rule-set versions</h1>
${view.notice !== undefined && html`<div class="notice" role="status" id="versions-notice">${view.notice}</div>`}
<p>Active version: <strong id="versions-active">${view.active ?? 'none'}</strong>. <a href="/rules/new">New rule</a></p>
<h2>History</h2>
<div class="card table-card"><table id="history"><thead><tr><th>#</th><th>When</th><th>What</th><th>Version</th><th>Who</th><th>Why</th><th>Backtest</th></tr></thead>
<tbody>${view.history.map(moveRow)}</tbody></table></div>
<h2>Versions</h2>
<div class="card table-card"><table id="versions"><thead><tr><th>Version</th><th>Created</th><th>By</th><th>Why</th><th></th></tr></thead>
<tbody>${versions.map((info) => versionRow(info, view.active))}</tbody></table></div>`;
}
