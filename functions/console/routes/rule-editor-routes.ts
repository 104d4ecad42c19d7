/**
 * The rule editor's pages: edit a rule (or write a new one), the publish gate, publish and
 * rollback as form posts, and the version history. The JSON twins are in rule-set-routes.ts.
 */
import {
  RuleSetConflictError,
  type RuleSetContent,
  RuleSetNotFoundError,
} from '../../app/ports/rule-sets.ts';
import { checkDraft, draftFile, type RuleDraft, ruleToYaml } from '../../app/rule-candidate.ts';
import { diffRuleSets, isEmptyDiff } from '../../app/rule-set-diff.ts';
import { formatRuleIssue } from '../../core/rules/parse-rule-files.ts';
import { html, type SafeHtml } from '../html.ts';
import { ConsoleHttpError, redirect } from '../http-io.ts';
import { gatePage } from '../pages/rule-editor-gate.ts';
import { type EditedTemplate, ruleEditorPage } from '../pages/rule-editor-page.ts';
import { RULE_EDITOR_SCRIPT } from '../pages/rule-editor-script.ts';
import { versionsPage } from '../pages/rule-versions-page.ts';
import { errorPage, page } from './page-view.ts';
import { readForm } from './request-input.ts';
import type { Route, RouteContext } from './route.ts';
import {
  activeContent,
  daysFrom,
  draftFromForm,
  expectedVersionFrom,
  gateDays,
  issueJson,
  messageFrom,
  publishDraft,
  recordedActor,
  ruleSetsOf,
} from './rule-set-input.ts';

/** The editor's pages and its script: one line per route. */
export const RULE_EDITOR_PAGE_ROUTES: readonly Route[] = [
  { path: '/rules/versions', role: 'viewer', methods: { GET: versions } },
  { path: '/rules/new', role: 'editor', methods: { GET: newRule } },
  { path: '/rules/:id/edit', role: 'editor', methods: { GET: editRule } },
  { path: '/rules/gate', role: 'publisher', methods: { POST: gate } },
  { path: '/rules/publish', role: 'publisher', methods: { POST: publish } },
  { path: '/rules/rollback', role: 'publisher', methods: { POST: rollback } },
  { path: '/static/rule-editor.js', role: 'viewer', methods: { GET: script } },
];

async function script(): Promise<Response> {
  return new Response(RULE_EDITOR_SCRIPT, {
    status: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    },
  });
}

/** A page with the editor's script: a static file, allowed by this response's nonce. */
function editorPage(ctx: RouteContext, status: number, title: string, body: SafeHtml): Response {
  const withScript = html`${body}<script src="/static/rule-editor.js" nonce="${ctx.nonce}" defer></script>`;
  return page(ctx, status, title, '/rules', withScript);
}

/** The templates of a rule's template name, any locale and channel, in path order. */
function templatesOf(content: RuleSetContent, template: string): EditedTemplate[] {
  return Object.entries(content.templates)
    .filter(([path]) => path.startsWith(`${template}/`))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, text]) => ({ path, text }));
}

async function editRule(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const id = ctx.params.id ?? '';
  const active = await activeContent(rules);
  const rule = active.content.rules.find((candidate) => candidate.id === id);
  if (rule === undefined)
    return errorPage(ctx, 404, 'Rule not found', `No rule ${id} in the active version ${active.version}.`);
  const body = ruleEditorPage({
    ruleId: id,
    file: draftFile(id),
    yaml: ruleToYaml(rule),
    templates: templatesOf(active.content, rule.template),
    activeVersion: active.version,
    days: gateDays(rules),
  });
  return editorPage(ctx, 200, `Edit ${id}`, body);
}

const NEW_RULE_YAML = `id: my-new-rule
description: What this rule tells the customer, and why.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: immediately
window: always
channels: [sms]
template: my-new-rule
dedupe:
  key: "{{ detail.orderId }}"
`;

async function newRule(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const active = await activeContent(rules);
  const locale = active.content.settings.defaults.locale;
  const body = ruleEditorPage({
    file: draftFile(undefined),
    yaml: NEW_RULE_YAML,
    templates: [{ path: `my-new-rule/${locale}.sms.liquid`, text: '' }],
    activeVersion: active.version,
    days: gateDays(rules),
  });
  return editorPage(ctx, 200, 'New rule', body);
}

/** The editor again, with what was typed and why it was refused. */
function refusedEditor(
  ctx: RouteContext,
  status: number,
  draft: RuleDraft,
  activeVersion: number,
  why: { issues?: ReturnType<typeof issueJson>[]; error?: string },
): Response {
  const body = ruleEditorPage({
    ...(draft.ruleId === undefined ? {} : { ruleId: draft.ruleId }),
    file: draftFile(draft.ruleId),
    yaml: draft.yaml,
    templates: Object.entries(draft.templates).map(([path, text]) => ({ path, text })),
    activeVersion,
    days: gateDays(ruleSetsOf(ctx.backend)),
    ...why,
  });
  return editorPage(ctx, status, 'Edit rule', body);
}

async function gate(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const form = await readForm(ctx.req);
  const draft = draftFromForm(form);
  const days = daysFrom(form.get('days'), rules);
  const active = await activeContent(rules);
  const checked = checkDraft(active.content, draft);
  if (!checked.ok) {
    const issues = checked.issues.map(issueJson);
    return refusedEditor(ctx, 422, draft, active.version, {
      issues,
      error: `${issues.length} problem(s): fix them before publishing.`,
    });
  }
  const diff = diffRuleSets(active.content, checked.content);
  const report = await rules.gate?.({ active: active.content, candidate: checked.content, days });
  const body = gatePage({
    ...(draft.ruleId === undefined ? {} : { ruleId: draft.ruleId }),
    yaml: draft.yaml,
    templates: Object.entries(draft.templates).map(([path, text]) => ({ path, text })),
    activeVersion: active.version,
    days,
    diff,
    unchanged: isEmptyDiff(diff),
    ...(report === undefined ? {} : { report }),
    warnings: checked.warnings.map(formatRuleIssue),
  });
  return page(ctx, 200, 'Publish gate', '/rules', body);
}

async function publish(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const form = await readForm(ctx.req);
  const draft = draftFromForm(form);
  const expectedVersion = expectedVersionFrom(form.get('expectedVersion'));
  const result = await publishDraft(rules, draft, {
    expectedVersion,
    message: messageFrom(form.get('message')),
    by: recordedActor(ctx.actor),
    at: ctx.backend.clock().now,
    days: daysFrom(form.get('days'), rules),
  });
  switch (result.outcome) {
    case 'invalid':
      return refusedEditor(ctx, 422, draft, expectedVersion, {
        issues: result.issues.map(issueJson),
        error: `${result.issues.length} problem(s); nothing was published.`,
      });
    case 'conflict':
      return refusedEditor(ctx, 409, draft, result.activeVersion ?? expectedVersion, {
        error: result.message,
      });
    case 'unchanged':
      return redirect(`/rules/versions?unchanged=${result.version}`);
    case 'published':
      return redirect(`/rules/versions?published=${result.move.to}`);
  }
}

async function rollback(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const form = await readForm(ctx.req);
  const version = Number(form.get('version'));
  if (!Number.isInteger(version) || version < 1)
    throw new ConsoleHttpError(400, 'invalid-request', 'version must be the number of an existing version');
  try {
    await rules.store.rollback(version, {
      expectedVersion: expectedVersionFrom(form.get('expectedVersion')),
      at: ctx.backend.clock().now,
      by: recordedActor(ctx.actor),
      message: messageFrom(form.get('message')),
    });
  } catch (error) {
    if (error instanceof RuleSetNotFoundError) return errorPage(ctx, 404, 'No such version', error.message);
    if (error instanceof RuleSetConflictError) return errorPage(ctx, 409, 'Conflict', error.message);
    throw error;
  }
  await rules.moved?.();
  return redirect(`/rules/versions?rolledBack=${version}`);
}

async function versions(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const [active, all, history] = await Promise.all([
    rules.store.active(),
    rules.store.listVersions(),
    rules.store.history(100),
  ]);
  const published = ctx.url.searchParams.get('published');
  const rolledBack = ctx.url.searchParams.get('rolledBack');
  const unchanged = ctx.url.searchParams.get('unchanged');
  const notice =
    published !== null
      ? `Published version ${published}: functions pick it up within a minute.`
      : rolledBack !== null
        ? `Version ${rolledBack} is active again.`
        : unchanged !== null
          ? `Identical to the active version ${unchanged}: nothing was published.`
          : undefined;
  const body = versionsPage({
    active: active?.version,
    versions: all,
    history,
    ...(notice === undefined ? {} : { notice }),
  });
  return page(ctx, 200, 'Rule-set versions', '/rules', body);
}
