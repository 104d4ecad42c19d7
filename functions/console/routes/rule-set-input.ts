/**
 * The rule editor's requests, read the same way from the JSON API and from the editor's forms,
 * and the publish step both share (validate exactly as `nudge rules validate`, expected version,
 * gate summary, conditional move). Nothing is written unless the draft is valid.
 */
import { RuleSetConflictError, type RuleSetContent, type RuleSetMove } from '../../app/ports/rule-sets.ts';
import { checkDraft, type RuleDraft } from '../../app/rule-candidate.ts';
import { diffRuleSets, isEmptyDiff } from '../../app/rule-set-diff.ts';
import { formatRuleIssue, type RuleIssue } from '../../core/rules/parse-rule-files.ts';
import type { ConsoleBackend } from '../console-backend.ts';
import { ConsoleHttpError, isRecord } from '../http-io.ts';
import type { RuleSetConsole } from '../rule-set-console.ts';

/** Days of archived events the gate replays unless told otherwise, and the most it accepts. */
const DEFAULT_GATE_DAYS = 7;
const MAX_GATE_DAYS = 30;
const MAX_MESSAGE_LENGTH = 500;
/** Form fields holding a template's text are named `template:<path below templates/>`. */
const TEMPLATE_FIELD = 'template:';

/** The backend's rule sets, or a 404 when this console offers no editing. */
export function ruleSetsOf(backend: ConsoleBackend): RuleSetConsole {
  const found = backend.ruleSetConsole;
  if (found === undefined)
    throw new ConsoleHttpError(404, 'not-available', 'this console has no rule-set versions to edit');
  return found;
}

/** The active version and its content, or a 409 before any version was published. */
export async function activeContent(
  rules: RuleSetConsole,
): Promise<{ version: number; content: RuleSetContent }> {
  const active = await rules.store.active();
  const stored = active === undefined ? undefined : await rules.store.getVersion(active.version);
  if (active === undefined || stored === undefined)
    throw new ConsoleHttpError(
      409,
      'no-active-version',
      'no rule-set version is active yet: publish one first',
    );
  return { version: active.version, content: stored.content };
}

/** An issue as the API returns it: located, and the CLI's own line of text. */
export function issueJson(issue: RuleIssue): RuleIssue & { text: string } {
  return { ...issue, text: formatRuleIssue(issue) };
}

/** A draft from a JSON body `{ ruleId?, yaml, templates }`, or a 400 naming the field. */
export function draftFromJson(value: unknown): RuleDraft {
  if (!isRecord(value)) throw badRequest('expected a JSON object { ruleId?, yaml, templates }');
  const { ruleId, yaml, templates } = value;
  if (ruleId !== undefined && typeof ruleId !== 'string') throw badRequest('`ruleId` must be a string');
  if (typeof yaml !== 'string') throw badRequest('`yaml` must be a string: the rule as YAML');
  const texts: Record<string, string> = {};
  if (templates !== undefined) {
    if (!isRecord(templates)) throw badRequest('`templates` must be an object { path: text }');
    for (const [path, text] of Object.entries(templates)) {
      if (typeof text !== 'string') throw badRequest(`templates['${path}'] must be a string`);
      texts[path] = text;
    }
  }
  return { ...(ruleId === undefined || ruleId === '' ? {} : { ruleId }), yaml, templates: texts };
}

/** A draft from the editor's form: `ruleId`, `yaml` and one `template:<path>` field per template. */
export function draftFromForm(form: URLSearchParams): RuleDraft {
  const templates: Record<string, string> = {};
  for (const [name, text] of form) {
    if (name.startsWith(TEMPLATE_FIELD)) templates[name.slice(TEMPLATE_FIELD.length)] = text;
  }
  const ruleId = form.get('ruleId') ?? '';
  return { ...(ruleId === '' ? {} : { ruleId }), yaml: form.get('yaml') ?? '', templates };
}

/** The gate's window in days: the console's default when absent, else 1 to its most, else a 400. */
export function daysFrom(raw: unknown, rules: Pick<RuleSetConsole, 'gateDays'>): number {
  const window = gateDays(rules);
  if (raw === undefined || raw === null || raw === '') return window.default;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > window.max)
    throw badRequest(`days must be a whole number from 1 to ${window.max}`);
  return days;
}

/** The gate's default and largest window of this console (7 and 30 unless its host says). */
export function gateDays(rules: Pick<RuleSetConsole, 'gateDays'>): { default: number; max: number } {
  return rules.gateDays ?? { default: DEFAULT_GATE_DAYS, max: MAX_GATE_DAYS };
}

/** The version the publisher saw active (required: it is what makes a concurrent publish a conflict). */
export function expectedVersionFrom(raw: unknown): number {
  const version = Number(raw);
  if (raw === undefined || raw === null || raw === '' || !Number.isInteger(version) || version < 1)
    throw badRequest('expectedVersion is required: the active version the change was made against');
  return version;
}

/** Why (kept in the history): trimmed, at most 500 characters. */
export function messageFrom(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text.length > MAX_MESSAGE_LENGTH)
    throw badRequest(`message is longer than ${MAX_MESSAGE_LENGTH} characters`);
  return text;
}

function badRequest(message: string): ConsoleHttpError {
  return new ConsoleHttpError(400, 'invalid-request', message);
}

/** What a publish did: refused (why), or the move it made. */
export type PublishOutcome =
  | { outcome: 'invalid'; issues: RuleIssue[] }
  | { outcome: 'conflict'; message: string; activeVersion: number | undefined }
  | { outcome: 'unchanged'; version: number }
  | { outcome: 'published'; move: RuleSetMove };

/**
 * Publishes a draft: validated as `nudge rules validate` does (invalid: nothing is written), the
 * active version checked against the one the publisher saw, the gate's summary recorded with the
 * version, and the pointer moved conditionally (a publisher who lost a race gets a conflict).
 */
export async function publishDraft(
  rules: RuleSetConsole,
  draft: RuleDraft,
  move: { expectedVersion: number; message: string; by: string; at: string; days: number },
): Promise<PublishOutcome> {
  const active = await activeContent(rules);
  const checked = checkDraft(active.content, draft);
  if (!checked.ok) return { outcome: 'invalid', issues: checked.issues };
  if (active.version !== move.expectedVersion)
    return conflict(new RuleSetConflictError(move.expectedVersion, active.version));
  if (isEmptyDiff(diffRuleSets(active.content, checked.content)))
    return { outcome: 'unchanged', version: active.version };
  const report = await rules.gate?.({ active: active.content, candidate: checked.content, days: move.days });
  try {
    const made = await rules.store.publish(checked.content, {
      expectedVersion: move.expectedVersion,
      at: move.at,
      by: move.by,
      message: move.message,
      ...(report === undefined ? {} : { backtest: report.summary }),
    });
    await rules.moved?.();
    return { outcome: 'published', move: made };
  } catch (error) {
    if (error instanceof RuleSetConflictError) return conflict(error);
    throw error;
  }
}

function conflict(error: RuleSetConflictError): PublishOutcome {
  return { outcome: 'conflict', message: error.message, activeVersion: error.activeVersion };
}

/** Who a console write is recorded as: the signed-in user, or `console` when the route has none. */
export function recordedActor(actor: string | undefined): string {
  return actor ?? 'console';
}
