/**
 * Renders one message for one customer from the template catalog: picks the locale, renders the
 * Liquid synchronously with the customer's locale and time zone, and measures SMS bodies.
 */
import { type Liquid, LiquidError, UndefinedVariableError } from 'liquidjs';
import { isValidTimeZone } from '../time-zones.ts';
import { htmlEngine, renderParsed, textEngine } from './liquid-engines.ts';
import { FilterInputError, FormatSettings } from './locale-filters.ts';
import { findUnsafeLinks, SAFE_LINK_RULE } from './safe-links.ts';
import { analyzeSms, type SmsEncoding } from './sms-encoding.ts';
import {
  type EmailTemplate,
  fileLine,
  findTemplate,
  liquidMessage,
  type MessageTemplate,
  type ParsedSection,
  resolveTemplateLocale,
  type SmsTemplate,
  type TemplateCatalog,
  type TemplateChannel,
} from './template-catalog.ts';
import { formattingLocale, localeFallbackChain } from './template-locale.ts';
import { textToHtml } from './text-to-html.ts';

/** What a render needs: which template, for whom, and the data it refers to. */
export interface RenderRequest {
  template: string;
  channel: TemplateChannel;
  /** The customer's locale, e.g. `sv-SE`; falls back to its parents and then `defaultLocale`. */
  locale: string;
  defaultLocale: string;
  /** The customer's IANA time zone, e.g. `Europe/Stockholm`. */
  timeZone: string;
  /** The Liquid scope, e.g. `{ customer, detail }`. */
  data: Record<string, unknown>;
}

/** Why a render failed. */
const RenderFailureReason = {
  /** No template of that name and channel in the requested or default locale chain. */
  templateNotFound: 'template-not-found',
  /** The template refers to data that is not there (strict variables). */
  unknownVariable: 'unknown-variable',
  /** Data is there but a filter cannot format it (invalid date, non-numeric amount, …). */
  invalidValue: 'invalid-value',
  /** Any other Liquid render error. */
  templateError: 'template-error',
  /** The request itself is unusable: an unknown time zone. */
  invalidRequest: 'invalid-request',
  /** The SMS body, email subject or email text rendered to nothing. */
  emptyMessage: 'empty-message',
  /** A link in the rendered HTML is not http(s), mailto or tel (safe-links.ts). */
  unsafeLink: 'unsafe-link',
} as const;
/** One of the {@link RenderFailureReason} codes. */
type RenderFailureReason = (typeof RenderFailureReason)[keyof typeof RenderFailureReason];

/** A failed render; `detail` names the template file and the problem. */
interface RenderFailure {
  ok: false;
  reason: RenderFailureReason;
  /** e.g. `templates/renewal-reminder/sv.sms.liquid: unknown variable 'detail.policyNumbr'`. */
  detail: string;
  /** The template file, when one was found. */
  file?: string;
  /** The 1-based line in that file, when known. */
  line?: number;
}

/** The outcome of {@link renderMessage}. */
export type RenderResult =
  | { ok: true; channel: 'sms'; locale: string; text: string; encoding: SmsEncoding; segments: number }
  | { ok: true; channel: 'email'; locale: string; subject: string; text: string; html: string }
  | RenderFailure;

/**
 * Renders a message. Never throws for template or data problems: those come back as
 * `{ ok: false, reason, detail }`. `locale` in a success is the template's locale (after fallback).
 *
 * SMS text has trailing whitespace removed and carries the encoding and segment count of
 * `analyzeSms`. Email subjects are collapsed to one line; the HTML part is the template's
 * `--- html` section (outputs escaped) or, without one, generated from the text.
 */
export function renderMessage(catalog: TemplateCatalog, request: RenderRequest): RenderResult {
  if (!isValidTimeZone(request.timeZone)) {
    return { ok: false, reason: 'invalid-request', detail: `unknown time zone '${request.timeZone}'` };
  }
  const { template, settings } = resolve(catalog, request);
  if (template === undefined) {
    const tried = localeFallbackChain(request.locale, request.defaultLocale);
    return {
      ok: false,
      reason: 'template-not-found',
      detail: `no ${request.channel} template '${request.template}' for locale '${request.locale}' (tried: ${tried.join(', ') || 'no valid locale'})`,
    };
  }
  let formatSettings = settings.get(request.timeZone);
  if (formatSettings === undefined) {
    formatSettings = new FormatSettings(
      formattingLocale(request.locale, template.locale),
      request.timeZone,
      template.channel,
    );
    if (settings.size >= MAX_ZONES) settings.clear();
    settings.set(request.timeZone, formatSettings);
  }
  return template.channel === 'sms'
    ? renderSms(template, request.data, formatSettings)
    : renderEmail(template, request.data, formatSettings);
}

/**
 * What a request comes to before its data is read: the template after locale fallback
 * ({@link resolveTemplateLocale}, {@link findTemplate}), and its format settings by time zone.
 * These are the same for every render of a template, channel, locale and default locale from one
 * catalog, and a catalog's templates never change once built (a `ReadonlyMap` only
 * `buildTemplateCatalog` fills), so they are worked out once per catalog rather than per message.
 */
interface Resolution {
  template: MessageTemplate | undefined;
  /** By time zone; each holds the formatting locale of this locale and template. */
  settings: Map<string, FormatSettings>;
}

/** Template name → channel → locale → default locale → resolution. */
type Resolutions = Map<string, Map<string, Map<string, Map<string, Resolution>>>>;

/** Per catalog (its template map, so a catalog dropped takes its resolutions with it). */
const resolutionsByCatalog = new WeakMap<
  TemplateCatalog['templates'],
  { count: number; tree: Resolutions }
>();
/** Bounds: locales come from profiles, zones from events. */
const MAX_RESOLUTIONS = 10_000;
const MAX_ZONES = 1_000;

function resolve(catalog: TemplateCatalog, request: RenderRequest): Resolution {
  let resolutions = resolutionsByCatalog.get(catalog.templates);
  if (resolutions === undefined || resolutions.count >= MAX_RESOLUTIONS) {
    resolutions = { count: 0, tree: new Map() };
    resolutionsByCatalog.set(catalog.templates, resolutions);
  }
  // Nested maps rather than one joined key: a hit allocates nothing.
  const byDefault = branch(
    branch(branch(resolutions.tree, request.template), request.channel),
    request.locale,
  );
  let resolution = byDefault.get(request.defaultLocale);
  if (resolution === undefined) {
    const locale = resolveTemplateLocale(
      catalog,
      request.template,
      request.channel,
      request.locale,
      request.defaultLocale,
    );
    const template =
      locale === undefined ? undefined : findTemplate(catalog, request.template, request.channel, locale);
    resolution = { template, settings: new Map() };
    byDefault.set(request.defaultLocale, resolution);
    resolutions.count++;
  }
  return resolution;
}

function branch<Value>(map: Map<string, Map<string, Value>>, key: string): Map<string, Value> {
  let found = map.get(key);
  if (found === undefined) {
    found = new Map();
    map.set(key, found);
  }
  return found;
}

function renderSms(
  template: SmsTemplate,
  data: Record<string, unknown>,
  settings: FormatSettings,
): RenderResult {
  const body = renderSection(template.file, template.body, textEngine, data, settings);
  if (typeof body !== 'string') return body;
  const text = body.trimEnd();
  if (text === '') return empty(template.file, 'the SMS body rendered empty');
  const { encoding, segments } = analyzeSms(text);
  return { ok: true, channel: 'sms', locale: template.locale, text, encoding, segments };
}

function renderEmail(
  template: EmailTemplate,
  data: Record<string, unknown>,
  settings: FormatSettings,
): RenderResult {
  const subject = renderSection(template.file, template.subject, textEngine, data, settings);
  if (typeof subject !== 'string') return subject;
  const text = renderSection(template.file, template.text, textEngine, data, settings);
  if (typeof text !== 'string') return text;
  let html: string;
  if (template.html === undefined) {
    html = textToHtml(text);
  } else {
    const rendered = renderSection(template.file, template.html, htmlEngine, data, settings);
    if (typeof rendered !== 'string') return rendered;
    html = tidyBody(rendered);
    // Data can put a `javascript:` into an href the template left open: never send it.
    const [unsafe] = findUnsafeLinks(html);
    if (unsafe !== undefined) {
      return {
        ok: false,
        reason: 'unsafe-link',
        detail: `${template.file}: rendered href with scheme '${unsafe.scheme}:' refused: ${SAFE_LINK_RULE}`,
        file: template.file,
      };
    }
  }
  // One line, always: a newline in a subject from data would otherwise start a new mail header.
  const subjectLine = oneLine(subject);
  if (subjectLine === '') return empty(template.file, 'the email subject rendered empty');
  const body = collapseBlankLines(tidyBody(text));
  if (body === '') return empty(template.file, 'the email text rendered empty');
  return { ok: true, channel: 'email', locale: template.locale, subject: subjectLine, text: body, html };
}

/** Whitespace runs as one space, trimmed. */
function oneLine(text: string): string {
  // Single spaces are the common case, and replacing them with themselves makes a new string.
  return (SPACING.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
}

/** Whitespace other than a single space: what `/\s+/g → ' '` would change. */
const SPACING = /[^\S ]| {2}/;

/** Drops leading blank lines and trailing whitespace, which tags on their own lines leave behind. */
function tidyBody(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}

/**
 * Several blank lines in a row become one. `{% if %}` blocks on lines of their own leave blank
 * lines behind when false; in email text that reads as a gap, never as intent. SMS bodies are left
 * as written: their authors count characters.
 */
function collapseBlankLines(text: string): string {
  return text.replace(/\n(?:[ \t]*\n){2,}/g, '\n\n');
}

function empty(file: string, what: string): RenderFailure {
  return { ok: false, reason: 'empty-message', detail: `${file}: ${what}`, file };
}

/** A section rendered, or why it failed (a string, not an `{ ok, text }` object: three of these per email). */
function renderSection(
  file: string,
  section: ParsedSection,
  engine: Liquid,
  data: Record<string, unknown>,
  settings: FormatSettings,
): string | RenderFailure {
  try {
    return renderParsed(engine, section.template, data, settings);
  } catch (error) {
    // Anything that is not a LiquidError is a bug in Nudge, not in a template: let it surface.
    if (!(error instanceof LiquidError)) throw error;
    return renderFailure(file, error, section.line);
  }
}

function renderFailure(file: string, error: LiquidError, sectionLine: number): RenderFailure {
  const line = fileLine(error, sectionLine);
  const at = line === undefined ? { file } : { file, line };
  const variable = undefinedVariableName(error);
  if (variable !== undefined) {
    return {
      ok: false,
      reason: 'unknown-variable',
      detail: `${file}: unknown variable '${variable}'`,
      ...at,
    };
  }
  if (error.originalError instanceof FilterInputError) {
    return { ok: false, reason: 'invalid-value', detail: `${file}: ${error.originalError.message}`, ...at };
  }
  return { ok: false, reason: 'template-error', detail: `${file}: ${liquidMessage(error)}`, ...at };
}

/**
 * The variable path of a strict-variables failure (`detail.policyNumbr`; just `detail` when the
 * object itself is missing). LiquidJS throws `UndefinedVariableError` whose `originalError` carries
 * `variableName`; the message is the fallback should that internal field ever change.
 */
function undefinedVariableName(error: LiquidError): string | undefined {
  if (!(error instanceof UndefinedVariableError)) return undefined;
  const original = error.originalError;
  if (original !== undefined && 'variableName' in original && typeof original.variableName === 'string') {
    return original.variableName;
  }
  return liquidMessage(error).replace(/^undefined variable: /, '');
}
