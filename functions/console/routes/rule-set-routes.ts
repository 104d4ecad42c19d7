/**
 * The rule editor's JSON API (docs/console-api.md, "Rule sets"): validate and preview a draft as
 * it is typed (editor), the publish gate, publish and rollback (publisher), and the versions.
 */
import { RuleSetConflictError, RuleSetNotFoundError } from '../../app/ports/rule-sets.ts';
import { checkDraft, type RuleDraft } from '../../app/rule-candidate.ts';
import { findSampleEvent, previewRule } from '../../app/rule-preview.ts';
import { diffRuleSets, isEmptyDiff } from '../../app/rule-set-diff.ts';
import { parseJourneyEvent } from '../../core/journey-event.ts';
import {
  ConsoleHttpError,
  isJsonType,
  isRecord,
  jsonResponse,
  parseJson,
  readBody,
  requireMediaType,
} from '../http-io.ts';
import type { RuleSetConsole } from '../rule-set-console.ts';
import type { Route, RouteContext } from './route.ts';
import {
  activeContent,
  daysFrom,
  draftFromJson,
  expectedVersionFrom,
  issueJson,
  messageFrom,
  publishDraft,
  recordedActor,
  ruleSetsOf,
} from './rule-set-input.ts';

async function jsonBody(ctx: RouteContext): Promise<Record<string, unknown>> {
  requireMediaType(ctx.req, isJsonType, 'application/json');
  const value = parseJson(await readBody(ctx.req), 'request body');
  if (!isRecord(value)) throw new ConsoleHttpError(400, 'invalid-request', 'expected a JSON object');
  return value;
}

async function versions({ backend }: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(backend);
  const [active, all, history] = await Promise.all([
    rules.store.active(),
    rules.store.listVersions(),
    rules.store.history(100),
  ]);
  return jsonResponse(200, { active: active?.version ?? null, versions: all, history });
}

async function validate(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const draft = draftFromJson(await jsonBody(ctx));
  const active = await activeContent(rules);
  const checked = checkDraft(active.content, draft);
  return jsonResponse(200, {
    valid: checked.ok,
    activeVersion: active.version,
    issues: checked.ok ? [] : checked.issues.map(issueJson),
    warnings: checked.warnings.map(issueJson),
  });
}

/** The draft checked, or a 422 carrying every located issue (nothing else happens). */
async function validDraft(rules: RuleSetConsole, draft: RuleDraft) {
  const active = await activeContent(rules);
  const checked = checkDraft(active.content, draft);
  if (!checked.ok) throw invalid(checked.issues.map(issueJson));
  return { active, checked };
}

class InvalidDraftError extends ConsoleHttpError {
  constructor(readonly issues: ReturnType<typeof issueJson>[]) {
    super(
      422,
      'invalid-rule',
      `${issues.length} problem(s) in the rule or its templates; nothing was changed`,
    );
  }
}

function invalid(issues: ReturnType<typeof issueJson>[]): InvalidDraftError {
  return new InvalidDraftError(issues);
}

/** Runs a handler; an invalid draft becomes a 422 with its issues (the app's error shape plus `issues`). */
function withIssues(handler: (ctx: RouteContext) => Promise<Response>) {
  return async (ctx: RouteContext): Promise<Response> => {
    try {
      return await handler(ctx);
    } catch (error) {
      if (!(error instanceof InvalidDraftError)) throw error;
      return jsonResponse(422, { error: { code: error.code, message: error.message }, issues: error.issues });
    }
  };
}

const preview = withIssues(async (ctx) => {
  const rules = ruleSetsOf(ctx.backend);
  const body = await jsonBody(ctx);
  const { checked } = await validDraft(rules, draftFromJson(body));
  const now = ctx.backend.clock().now;
  const sample =
    body.event === undefined || body.event === null
      ? await findSampleEvent(checked.rule, {
          ...(rules.archive === undefined ? {} : { archive: rules.archive }),
          now: new Date(now),
          fallbacks: ctx.backend.samples().map((item) => item.event),
        })
      : { event: body.event, from: 'given' as const };
  if (sample === undefined) {
    return jsonResponse(200, {
      event: null,
      note: `no archived or sample event matches rule ${checked.rule.id}: paste one to preview with`,
      renders: [],
    });
  }
  const parsed = parseJourneyEvent(withEnvelope(sample.event, now));
  if (!parsed.ok) throw new ConsoleHttpError(400, 'invalid-event', `the sample event: ${parsed.reason}`);
  return jsonResponse(200, {
    event: parsed.event,
    from: sample.from,
    renders: previewRule(checked.content, checked.rule, parsed.event),
  });
});

/** A pasted event may leave out the envelope's id and time: a preview fills them in. */
function withEnvelope(event: unknown, now: string): unknown {
  if (!isRecord(event)) return event;
  return { id: 'preview-sample', time: now, ...event };
}

const gate = withIssues(async (ctx) => {
  const rules = ruleSetsOf(ctx.backend);
  const body = await jsonBody(ctx);
  const days = daysFrom(body.days, rules);
  const { active, checked } = await validDraft(rules, draftFromJson(body));
  const diff = diffRuleSets(active.content, checked.content);
  const report = await rules.gate?.({ active: active.content, candidate: checked.content, days });
  return jsonResponse(200, {
    activeVersion: active.version,
    days,
    unchanged: isEmptyDiff(diff),
    diff,
    report: report ?? null,
    warnings: checked.warnings.map(issueJson),
  });
});

async function publish(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const body = await jsonBody(ctx);
  const draft = draftFromJson(body);
  const result = await publishDraft(rules, draft, {
    expectedVersion: expectedVersionFrom(body.expectedVersion),
    message: messageFrom(body.message),
    by: recordedActor(ctx.actor),
    at: ctx.backend.clock().now,
    days: daysFrom(body.days, rules),
  });
  switch (result.outcome) {
    case 'invalid':
      return jsonResponse(422, {
        error: { code: 'invalid-rule', message: `${result.issues.length} problem(s); nothing was published` },
        issues: result.issues.map(issueJson),
      });
    case 'conflict':
      return jsonResponse(409, {
        error: { code: 'conflict', message: result.message },
        activeVersion: result.activeVersion ?? null,
      });
    case 'unchanged':
      return jsonResponse(422, {
        error: {
          code: 'no-changes',
          message: `identical to the active version ${result.version}; nothing was published`,
        },
      });
    case 'published':
      return jsonResponse(200, {
        version: result.move.to,
        from: result.move.from ?? null,
        move: result.move,
      });
  }
}

async function rollback(ctx: RouteContext): Promise<Response> {
  const rules = ruleSetsOf(ctx.backend);
  const body = await jsonBody(ctx);
  const version = Number(body.version);
  if (!Number.isInteger(version) || version < 1)
    throw new ConsoleHttpError(400, 'invalid-request', '`version` must be the number of an existing version');
  try {
    const move = await rules.store.rollback(version, {
      expectedVersion: expectedVersionFrom(body.expectedVersion),
      at: ctx.backend.clock().now,
      by: recordedActor(ctx.actor),
      message: messageFrom(body.message),
    });
    await rules.moved?.();
    return jsonResponse(200, { version: move.to, from: move.from ?? null, move });
  } catch (error) {
    if (error instanceof RuleSetNotFoundError) throw new ConsoleHttpError(404, 'not-found', error.message);
    if (error instanceof RuleSetConflictError) throw new ConsoleHttpError(409, 'conflict', error.message);
    throw error;
  }
}

/** The rule-set endpoints: one line per route. */
export const RULE_SET_API_ROUTES: readonly Route[] = [
  { path: '/api/rule-sets/versions', role: 'viewer', methods: { GET: versions } },
  { path: '/api/rule-sets/validate', role: 'editor', methods: { POST: validate } },
  { path: '/api/rule-sets/preview', role: 'editor', methods: { POST: preview } },
  { path: '/api/rule-sets/gate', role: 'publisher', methods: { POST: gate } },
  { path: '/api/rule-sets/publish', role: 'publisher', methods: { POST: publish } },
  { path: '/api/rule-sets/rollback', role: 'publisher', methods: { POST: rollback } },
];
